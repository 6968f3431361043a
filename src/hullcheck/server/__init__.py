"""``hullcheck serve``: a self-hosted service that stores scans and keeps watching images.

The layers of this package, bottom up: ``settings`` (what the operator chose), ``db``
(tables and engines), ``store`` (every read and write of the tables), ``tokens`` and
``guard`` (who may do what, how much), ``hullcheck.isolated`` (scans run as ``hullcheck scan``
subprocesses, so a hostile image can never take the service down), ``worker`` (the
queue), ``api`` and ``dashboard`` (HTTP), ``app`` (wiring).  Nothing here is imported by
the rest of hullcheck; the CLI imports it only when ``serve`` runs, so the extra
(``pip install hullcheck[server]``) is needed only by those who serve.
"""
