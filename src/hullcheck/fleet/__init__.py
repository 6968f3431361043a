"""``hullcheck fleet``: scan many images at once, on a local pool or on Celery workers.

``targets`` says what to scan (a registry's catalogue, a list, the service's watches),
``task`` scans one reference in an isolated subprocess and returns a small record,
``pool`` runs tasks locally, ``celery_app`` runs the same task on Celery workers with a
Redis broker, ``results`` writes each reference's record exactly once, and ``run`` drives
the whole with bounded in-flight work and a progress line.
"""
