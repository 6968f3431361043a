"""``hullcheck diff A B``: what changed between two images, SBOMs or saved reports.

``snapshot`` reduces each side to comparable facts (through the scan pipeline, or a
saved JSON report), ``compare`` matches them (findings by a fingerprint that ignores
line numbers and layer indexes), ``files`` streams layers for ``--files`` and
``--reproducible``, ``reproducible`` explains why two builds' layers differ, and
``render`` prints the result as a table, JSON or Markdown.
"""
