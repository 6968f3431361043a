"""What the operator of ``hullcheck serve`` chose: address, database, limits, workers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from hullcheck.isolated import ScanJob

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8484
MiB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """Every knob of the service; the CLI fills it from flags and the environment."""

    database: str
    """An SQLAlchemy URL: ``sqlite:///path`` (the default, one file) or ``postgresql://...``."""
    data_dir: Path
    """Where scan work files and the blob cache live (the service writes nowhere else)."""
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    workers: int = 2
    """Scans run at once (each one is a ``hullcheck scan`` subprocess)."""
    max_body_bytes: int = 32 * MiB
    """Largest request body accepted (a report or SBOM); more is refused with 413."""
    rate_per_minute: int = 600
    """Requests a token (or, without one, an address) may make per minute; more gets 429."""
    scan_timeout: float = 900.0
    """Seconds one scan may take before it is stopped and marked failed."""
    lease_seconds: float = 60.0
    """A running scan whose worker stopped renewing its lease this long is queued again."""
    max_attempts: int = 3
    """A scan that failed this many times for want of a worker stays failed."""
    allowed_registries: tuple[str, ...] = ()
    """``host[:port]`` registries that may resolve to loopback or private addresses
    (a local registry); every other reference naming such an address is refused."""
    insecure_registries: tuple[str, ...] = ()
    """Registries reached over plain HTTP (passed to ``hullcheck scan --insecure-registry``)."""
    vuln_db: Path | None = None
    """The advisory database scans use (None: ``osv.sqlite3`` in the data dir's cache); when
    it changes, every stored image is re-matched."""
    watch_db_seconds: float = 30.0
    """How often to look whether the advisory database changed."""
    scan_args: tuple[str, ...] = field(default_factory=tuple)
    """Extra arguments for every ``hullcheck scan``."""

    @property
    def vulnerability_db(self) -> Path:
        return self.vuln_db or self.data_dir / "cache" / "osv.sqlite3"

    @property
    def job(self) -> ScanJob:
        """How this service runs its scans."""
        return ScanJob(
            data_dir=self.data_dir,
            vulnerability_db=self.vulnerability_db,
            insecure_registries=self.insecure_registries,
            public_only=self.allowed_registries,
            scan_args=self.scan_args,
            scan_timeout=self.scan_timeout,
        )
