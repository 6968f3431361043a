"""Provenance and audit rules (HC8401-HC8501)."""

from __future__ import annotations

from pathlib import Path

from hullcheck.imagerules.history import parse_created_by
from hullcheck.model import Severity

from .helpers import base_layer, by_rule, rule_ids, scan

LABELS = {
    "org.opencontainers.image.source": "https://example.com/app",
    "org.opencontainers.image.revision": "abc123",
    "org.opencontainers.image.created": "2025-01-01T00:00:00Z",
}


def test_missing_labels(tmp_path: Path) -> None:
    cfg = {"User": "app", "Labels": {"org.opencontainers.image.source": "https://x"}}
    (f,) = by_rule(scan(tmp_path, [base_layer()], config=cfg), "HC8401")
    assert f.extra["missing"] == [
        "org.opencontainers.image.revision",
        "org.opencontainers.image.created",
    ]
    full = {"User": "app", "Labels": LABELS}
    assert "HC8401" not in rule_ids(scan(tmp_path / "f", [base_layer()], config=full))


def test_local_layout_by_tag_is_not_a_provenance_problem(tmp_path: Path) -> None:
    assert "HC8402" not in rule_ids(scan(tmp_path, [base_layer()]))


def test_build_args_in_history(tmp_path: Path) -> None:
    history = [
        {"created_by": "base image"},
        {"created_by": "ARG VERSION", "empty_layer": True},
        {"created_by": "ARG NPM_TOKEN", "empty_layer": True},
        {
            "created_by": "RUN |2 VERSION=1.2 NPM_TOKEN=npm_abcdefghijklmnopqrstuvwxyz0123456789 "
            "/bin/sh -c make # buildkit",
        },
    ]
    from tests.fixtures.imagebuilder import Dir, File, Layer

    layers = [base_layer(), Layer([Dir("app"), File("app/x", b"1")])]
    report = scan(tmp_path, layers, history=history)
    found = {f.extra["build_arg"]: f for f in by_rule(report, "HC8501")}
    assert set(found) == {"VERSION", "NPM_TOKEN"}
    assert found["NPM_TOKEN"].severity is Severity.HIGH
    assert found["VERSION"].severity is Severity.LOW
    f = found["NPM_TOKEN"]
    assert f.location.layer_index == 1 and f.extra["history_index"] == 3
    assert "npm_abcdef" not in f.message
    # the target's history does not echo the token
    target_history = report.target["history"]  # type: ignore[index]
    assert "npm_abcdefghijklmnop" not in str(target_history)
    assert "VERSION=1.2" in target_history[3]["created_by"]
    plain = [{"created_by": "base image"}, {"created_by": "RUN /bin/sh -c make # buildkit"}]
    assert "HC8501" not in rule_ids(scan(tmp_path / "p", layers, history=plain))


def test_history_formats() -> None:
    classic = parse_created_by("/bin/sh -c #(nop)  ENV A=b")
    assert (classic.keyword, classic.text) == ("ENV", "A=b")
    copy = parse_created_by("/bin/sh -c #(nop) COPY file:0a1b2c in /app ")
    assert (copy.keyword, copy.text) == ("COPY", "file:0a1b2c in /app")
    run = parse_created_by("|2 A=b c C=d /bin/sh -c apt-get update")
    assert run.keyword == "RUN" and run.text == "apt-get update"
    assert run.build_args == (("A", "b c"), ("C", "d"))
    bk = parse_created_by("RUN /bin/sh -c echo hi # buildkit")
    assert (bk.keyword, bk.text) == ("RUN", "echo hi")
    bk_args = parse_created_by("RUN |1 X=y /bin/sh -c echo $X # buildkit")
    assert bk_args.build_args == (("X", "y"),) and bk_args.text == "echo $X"
    assert parse_created_by("USER app").keyword == "USER"
    assert parse_created_by("mmdebstrap --variant=minbase").keyword == ""
