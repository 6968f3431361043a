"""hullcheck: audit Dockerfiles and container images against hardening practices."""

__version__ = "0.1.0"
