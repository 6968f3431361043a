"""Image rules: checks of a built image's configuration and files (``hullcheck scan``).

One module per practice family (see ``registry.FAMILIES``); each plugs into the single
layer pass as a ``hullcheck.scan.Analyser``.
"""
