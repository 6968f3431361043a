"""Build a small image with the fixture builder, scan it with every image rule family.

``scan`` fails the test on any diagnostic whose kind is not in ``expect`` (an analyser
that raised, a file or package database that could not be read, a lint rule that
crashed on the ``--dockerfile``): a test must never pass on a check that did not run.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hullcheck.document import Report
from hullcheck.imagerules.base import ScanSettings
from hullcheck.model import Finding
from hullcheck.scan import ScanRequest, scan_image
from tests.fixtures.imagebuilder import Dir, File, Layer, make_image
from tests.support.rule_testing import assert_no_unexpected

NOW = datetime(2025, 2, 1, tzinfo=UTC)
"""The fixture images say they were created 2025-01-01: 31 days before this."""

PASSWD = b"root:x:0:0:root:/root:/bin/bash\napp:x:10001:10001::/home/app:/bin/sh\n"
OS_RELEASE = b'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n'


def base_layer(*extra: Any, created_by: str = "base image") -> Layer:
    """A tiny Debian-like root: os-release, passwd, a sticky /tmp."""
    return Layer(
        [
            Dir("etc"),
            File("etc/os-release", OS_RELEASE),
            File("etc/passwd", PASSWD),
            Dir("tmp", mode=0o1777),
            Dir("usr"),
            Dir("usr/bin"),
            *extra,
        ],
        created_by=created_by,
    )


def scan(
    tmp_path: Path,
    layers: Sequence[Layer],
    *,
    config: dict[str, Any] | None = None,
    history: list[dict[str, Any]] | None = None,
    now: datetime = NOW,
    max_age_days: int = 90,
    dockerfile: str | None = None,
    lint: bool = True,
    form: str = "oci",
    db_path: Path | None = None,
    expect: Sequence[str] = (),
) -> Report:
    cfg = {"User": "app"} if config is None else config
    img = make_image(tmp_path / "img", layers, config=cfg, history=history, form=form)
    df_path = None
    if dockerfile is not None:
        df_path = str(tmp_path / "Dockerfile")
        Path(df_path).write_text(dockerfile)
    request = ScanRequest(
        img.reference,
        settings=ScanSettings(now=now, max_age_days=max_age_days, db_path=db_path),
        dockerfile=df_path,
        lint=lint,
    )
    report = scan_image(request)
    assert_no_unexpected(report.diagnostics, expect)
    return report


def by_rule(report: Report, rule: str) -> list[Finding]:
    return [f for f in report.findings if f.rule == rule]


def rule_ids(report: Report) -> set[str]:
    return {f.rule for f in report.findings}
