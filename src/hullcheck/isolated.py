"""Run one scan as a ``hullcheck scan`` process of its own and bring back its JSON report.

A separate process per scan keeps a long-lived caller (the service, a fleet worker)
alive whatever a hostile image does (memory, time, a bug): the worst case is one failed
scan with the tool's own error line.  The process is forked from a server that has
already imported hullcheck (:mod:`hullcheck.prestart`), so it starts in milliseconds.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from hullcheck.prestart import launch
from hullcheck.sources.netpolicy import PUBLIC_ONLY_ENV

MAX_REPORT_BYTES = 256 * 1024 * 1024


def json_object(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one (reports are untrusted input)."""
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True, slots=True)
class ScanJob:
    """How scans are run: where they may write, which database, which registries."""

    data_dir: Path
    """Work files go in ``data_dir/work``, blobs in ``data_dir/cache``."""
    vulnerability_db: Path
    insecure_registries: tuple[str, ...] = ()
    public_only: tuple[str, ...] | None = None
    """Registries (``host:port``) allowed although internal; not None = every other hop of
    the scan (redirects included) must reach public addresses only."""
    scan_args: tuple[str, ...] = field(default_factory=tuple)
    scan_timeout: float = 900.0


@dataclass(frozen=True, slots=True)
class Outcome:
    report: dict[str, Any] | None
    exit_code: int | None
    error: str | None


def scan_command(settings: ScanJob, target: str, output: Path) -> list[str]:
    """The arguments of ``hullcheck`` (the program name left out) for one scan."""
    cmd = ["scan", target, "-f", "json", "-o", str(output)]
    cmd += ["--fail-on", "none", "--quiet", "--cache-dir", str(settings.data_dir / "cache")]
    cmd += ["--db", str(settings.vulnerability_db)]
    for registry in settings.insecure_registries:
        cmd += ["--insecure-registry", registry]
    return cmd + list(settings.scan_args)


def _last_error(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line]
    return (errors or lines or ["the scan ended without a word"])[-1][:2000]


def run_scan(
    settings: ScanJob,
    uid: str,
    kind: str,
    reference: str,
    input_text: str | None,
    *,
    started: list[BaseProcess] | None = None,
    credentials: tuple[str, str] | None = None,
    policy_files: list[Path] | None = None,
) -> Outcome:
    """Scan an image reference, or an SBOM held in ``input_text``."""
    work = settings.data_dir / "work"
    work.mkdir(parents=True, exist_ok=True)
    # one name per attempt: a scan orphaned by a killed server may still be writing its own
    attempt = f"{uid}.{uuid.uuid4().hex[:12]}"
    output = work / f"{attempt}.report.json"
    target = reference
    sbom_file = work / f"{attempt}.sbom.json"
    if kind in ("sbom", "rematch"):
        sbom_file.write_text(input_text or "", encoding="utf-8")
        target = str(sbom_file)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HULLCHECK_SERVER_")}
    if settings.public_only is not None:
        env[PUBLIC_ONLY_ENV] = ",".join(settings.public_only)
    cmd = scan_command(settings, target, output)
    if credentials is not None:  # the password goes through a pipe, never the command line
        cmd += ["--username", credentials[0], "--password-stdin"]
    if policy_files:  # a .hullcheck.yaml, and optionally an ignore file
        cmd += ["--config", str(policy_files[0])]
        if len(policy_files) > 1:
            cmd += ["--ignore-file", str(policy_files[1])]
    errors = work / f"{attempt}.stderr"
    try:
        proc = launch(
            cmd,
            env=env,
            stderr_path=errors,
            stdin_text=f"{credentials[1]}\n" if credentials is not None else None,
        )
        if started is not None:
            started.append(proc)
        proc.join(settings.scan_timeout)
        if proc.exitcode is None:
            proc.kill()
            proc.join()
            return Outcome(None, None, f"the scan took longer than {settings.scan_timeout:g} s")
        return _collect(output, proc.exitcode, _tail(errors))
    finally:
        output.unlink(missing_ok=True)
        sbom_file.unlink(missing_ok=True)
        errors.unlink(missing_ok=True)


def _tail(path: Path, limit: int = 64 * 1024) -> str:
    """The end of a scan's standard error (a hostile image cannot make us read more)."""
    try:
        with path.open("rb") as f:
            f.seek(max(0, f.seek(0, os.SEEK_END) - limit))
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _collect(output: Path, code: int, stderr: str) -> Outcome:
    if code < 0:
        return Outcome(None, None, f"the scan was stopped by signal {-code}")
    if not output.is_file():
        return Outcome(None, code, _last_error(stderr))
    if output.stat().st_size > MAX_REPORT_BYTES:
        return Outcome(None, code, "the report is larger than the service accepts")
    try:
        report = json.loads(output.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        return Outcome(None, code, "the scan wrote a report that is not JSON")
    if not isinstance(report, dict):
        return Outcome(None, code, "the scan wrote a report that is not an object")
    return Outcome(report, code, _last_error(stderr) if code == 2 else None)
