"""The terminal table: layout, colour decisions, hostile text, secrets, unreadable sources."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest

from hullcheck.document import Report
from hullcheck.model import Finding, Location, Practice, Severity, SourceSpan
from hullcheck.report import table
from hullcheck.report.options import RenderOptions, resolve_color
from hullcheck.report.source_lines import mask_secrets, read_lines, visible

from .conftest import DOCKERFILE, NOW, RAW_SECRET, lint_report, scan_report

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _plain(report: Report, **kw: object) -> str:
    opts = RenderOptions(color=False, width=100, sources={"Dockerfile": DOCKERFILE}, now=NOW)
    for key, value in kw.items():
        object.__setattr__(opts, key, value)
    return table.render(report, opts)


def test_plain_mode_has_no_escape_codes_and_colour_mode_has() -> None:
    plain = _plain(lint_report())
    assert "\x1b" not in plain
    coloured = table.render(lint_report(), RenderOptions(color=True, width=100))
    assert ANSI.search(coloured)
    assert ANSI.sub("", coloured).count("HC1001") == plain.count("HC1001")


def test_colour_styles_only_what_they_should() -> None:
    out = table.render(scan_report(), RenderOptions(color=True, width=100, now=NOW))
    assert "\x1b[1mImage       \x1b[0mregistry.example.com" in out
    assert "\x1b[1;37;41m CRITICAL " in out  # severity badge


def test_lint_groups_by_file_then_orders_by_line() -> None:
    out = _plain(lint_report())
    assert out.index("Dockerfile\n") < out.index("docker/Dockerfile.dev\n")
    lines = [int(m.group(1)) for m in re.finditer(r"^    Dockerfile:(\d+)", out, re.M)]
    assert lines == sorted(lines) == [1, 4, 5, 8, 9]


def test_lint_shows_severity_rule_practice_title_code_message_fix() -> None:
    out = _plain(lint_report())
    block = out[out.index("HC2003") - 11 : out.index("Add --no-install-recommends.")]
    assert block.startswith(" MEDIUM")
    assert "[build]" in block and "apt-get install without --no-install-recommends" in block
    assert "5 │ RUN apt-get update && \\" in block
    assert "7 │     rm -rf /var/lib/apt/lists/*" in block
    assert "Recommended packages add size" in block
    assert "fix: " in out


def test_summary_counts_each_severity() -> None:
    last = _plain(lint_report()).rstrip("\n").splitlines()[-1]
    assert last == (
        "6 findings: 1 critical, 2 high, 1 medium, 1 low, 1 info; 1 not checked (exit 2); 1 warning"
    )
    assert _plain(Report()).strip() == "No findings"


def test_long_lines_are_truncated_to_the_width() -> None:
    out = _plain(lint_report())
    assert "…" in out
    assert max(len(line) for line in out.splitlines()) <= 100
    narrow = table.render(
        lint_report(), RenderOptions(width=60, sources={"Dockerfile": DOCKERFILE})
    )
    assert max(len(line) for line in narrow.splitlines()) <= 60


def test_a_line_holding_a_secret_is_never_quoted_in_any_layout() -> None:
    for report in (lint_report(), scan_report()):
        out = _plain(report)
        assert RAW_SECRET not in out
        assert "code not shown: it holds a secret" in out
    # Another rule pointing at the same line must not leak it either.
    other = Finding(
        "HC9", Practice.BUILD, Severity.LOW, "ENV use", "m", Location(path="Dockerfile", line=4)
    )
    out = _plain(Report(findings=[*lint_report().findings, other]))
    assert RAW_SECRET not in out


def test_obvious_secrets_are_masked_even_without_a_secrets_finding() -> None:
    lines = ["FROM x", "ENV GITHUB_TOKEN=ghp_abcdefghijklmnop", "RUN curl https://bob:hunter22@h/x"]
    findings = [
        Finding("HC9", Practice.BUILD, Severity.LOW, "t", "m", Location(path="D", line=2)),
        Finding("HC8", Practice.BUILD, Severity.LOW, "t", "m", Location(path="D", line=3)),
    ]
    out = table.render(Report(findings=findings), RenderOptions(width=100, sources={"D": lines}))
    assert "ghp_abcdefghijklmnop" not in out and "hunter22" not in out
    assert "GITHUB_TOKEN=****" in out and "bob:****@h" in out


def test_terminal_escapes_in_inputs_are_made_visible() -> None:
    out = _plain(lint_report())
    assert "\\x1b[31mFORM\\x1b[0m" in out
    hostile = ["FROM x", "RUN echo \x1b]0;pwned\x07 \u202eevil"]
    f = Finding("HC9", Practice.BUILD, Severity.LOW, "t\x1b[2J", "m", Location(path="D", line=2))
    out = table.render(Report(findings=[f]), RenderOptions(width=100, sources={"D": hostile}))
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "\\x1b]0;pwned\\x07" in out and "\\u202e" in out


def test_missing_unreadable_and_special_sources_are_skipped(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    big = tmp_path / "big"
    big.write_bytes(b"x" * 10)
    findings = [
        Finding("HC1", Practice.BUILD, Severity.LOW, "t", "m", Location(path=str(p), line=1))
        for p in (tmp_path / "missing", fifo, tmp_path, Path("/dev/zero"))
    ]
    out = table.render(Report(findings=findings), RenderOptions(width=100))
    assert out.count(" LOW ") == 4 and "│" not in out
    assert read_lines(str(fifo)) is None and read_lines("/dev/zero") is None
    assert read_lines(str(big)) == ["x" * 10]


def test_source_read_from_disk_and_out_of_range_line(tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_bytes(b"FROM a\r\nRUN b \xff\n")
    findings = [
        Finding(
            "HC1", Practice.BUILD, Severity.LOW, "t", "m", Location(path=str(dockerfile), line=2)
        ),
        Finding(
            "HC2", Practice.BUILD, Severity.LOW, "t", "m", Location(path=str(dockerfile), line=99)
        ),
    ]
    out = table.render(Report(findings=findings), RenderOptions(width=200))
    assert "2 │ RUN b \ufffd" in out
    assert out.count("│") == 1


def test_multi_line_messages_become_one_paragraph() -> None:
    f = Finding(
        "HC1", Practice.BUILD, Severity.LOW, "t", "first line\n  second line\r\n", Location("D", 1)
    )
    out = table.render(Report(findings=[f]), RenderOptions(width=100))
    assert "    first line second line\n" in out


def test_many_lines_are_cut_short() -> None:
    lines = [f"RUN step {i}" for i in range(1, 21)]
    f = Finding("HC1", Practice.BUILD, Severity.LOW, "t", "m", Location("D", 1, 20))
    out = table.render(Report(findings=[f]), RenderOptions(width=100, sources={"D": lines}))
    assert "RUN step 6" in out and "RUN step 7" not in out and "… 14 more lines" in out


def test_scan_header_block() -> None:
    out = _plain(scan_report())
    head = out[: out.index("vulnerabilities (2)")]
    assert "Image       registry.example.com/team/app:1.2" in head
    assert "Digest      sha256:dddd" in head
    assert "Base OS     debian 12 (bookworm)" in head
    assert "Size        74.2 MB (74,213,000 bytes)" in head
    assert "User        (not set: root)" in head
    assert "Created     2025-06-30T12:00:00Z (184 days ago)" in head
    assert "Efficiency  95.4 %" in head  # derived from the layers' added and wasted bytes
    assert "Wasted      3.4 MB (3,437,200 bytes)" in head
    assert "Tags" not in head  # the only tag is the reference shown above
    assert "Source      oci-layout" in head and "Layers      4" in head
    assert "PATH=" not in out  # config.env is never shown: it often holds credentials


def test_scan_layer_table_sizes_waste_trace_and_steps() -> None:
    out = _plain(scan_report())
    block = out[out.index(" #  ") : out.index("vulnerabilities (2)")]
    rows = block.splitlines()
    assert rows[0].split() == ["#", "Size", "Wasted", "Dockerfile", "Created", "by"]
    assert rows[1].split()[:5] == ["0", "74.0", "MB", "3.4", "MB"]
    assert "(base image)" in rows[1] and rows[1].endswith("ADD file:9f3c in /")
    assert rows[2].split()[:5] == ["1", "3.0", "kB", "-", "(not"]  # nothing wasted: "-"
    assert "Dockerfile:5-7  RUN apt-get update && apt-get install" in rows[3]
    assert "/bin/sh -c" not in block and "# buildkit" not in block  # builder noise dropped
    assert rows[4].endswith("…") and all(len(r) <= 100 for r in rows)


def test_scan_layer_table_without_trace_and_with_many_layers() -> None:
    layers = [
        {"index": i, "size": 1000 * i, "bytes_wasted": 0, "created_by": f"/bin/sh -c step{i}"}
        for i in range(table.MAX_LAYER_ROWS + 5)
    ]
    layers[1]["created_by"] = "/bin/sh -c printf '\x1b]0;pwned\x07\u202e'"
    out = _plain(Report(target={"reference": "r", "layers": layers}))
    assert "  #     Size  Wasted  Created by" in out  # no trace: no Dockerfile column
    assert "  0      0 B       -  RUN step0" in out
    assert "RUN step3" in out and f"RUN step{table.MAX_LAYER_ROWS}" not in out
    assert "… 5 more layers (--format json lists all)" in out
    assert "\x1b" not in out and "\\x1b]0;pwned\\x07\\u202e" in out


def test_no_layer_table_without_layers() -> None:
    out = _plain(Report(target={"reference": "r"}, summary={"efficiency": 1.0}))
    assert "Created by" not in out


def test_scan_groups_by_practice_worst_first() -> None:
    out = _plain(scan_report())
    headers = re.findall(r"^([a-z-]+) \((\d+)\)$", out, re.M)
    assert [h for h, _ in headers] == [
        "vulnerabilities",
        "privileges",
        "secrets",
        "layer-hygiene",
        "provenance",
    ]
    vulns = out[out.index("vulnerabilities (2)") : out.index("privileges (1)")]
    assert vulns.index("GHSA-9wx4") < vulns.index("CVE-2024-0727")
    assert "requests 2.25.0  (no fix yet)" in vulns and "layer 2 · Dockerfile:5" in vulns
    assert "openssl 3.0.11-1~deb12u2 → 3.0.13-1~deb12u1" in vulns
    assert "\n    openssl: denial of service" in vulns  # the id is not repeated in the title
    secrets = out[out.index("secrets (1)") :]
    assert "layer 1 · /root/.ssh/id_rsa · Dockerfile:4" in secrets
    assert out.rstrip().endswith("1 suppressed")


def test_scan_header_prefers_explicit_totals_and_nested_user() -> None:
    report = Report(
        target={
            "reference": "r",
            "config": {"user": "1000:1000", "env": ["TOKEN=abc123456"]},
            "layers": [{"size": 5, "bytes_added": 5, "bytes_wasted": 1}],
            "size": 9,
        },
        summary={"efficiency": 0.5},
    )
    out = _plain(report)
    assert "User        1000:1000" in out and "Size        9 B" in out
    assert "Efficiency  50.0 %" in out and "abc123456" not in out


def test_scan_header_tolerates_odd_target_values() -> None:
    report = Report(
        target={
            "image": "x",
            "size": "big",
            "created": "not a date",
            "base_os": {"name": "alpine"},
        },
        summary={"efficiency": 97},
    )
    out = _plain(report)
    assert "Size        big" in out and "Created     not a date" in out
    assert "Base OS     alpine" in out and "Efficiency  97.0 %" in out


def test_resolve_color() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty, pipe = Tty(), io.StringIO()
    assert resolve_color("auto", tty, {}) is True
    assert resolve_color("auto", pipe, {}) is False
    assert resolve_color("auto", tty, {"NO_COLOR": "1"}) is False
    assert resolve_color("auto", tty, {"NO_COLOR": ""}) is True
    assert resolve_color("auto", tty, {"TERM": "dumb"}) is False
    assert resolve_color("auto", pipe, {"FORCE_COLOR": "1"}) is True
    assert resolve_color("always", pipe, {"NO_COLOR": "1"}) is True
    assert resolve_color("never", tty, {}) is False
    with pytest.raises(ValueError, match="choose from"):
        resolve_color("sometimes", tty, {})


def test_helpers() -> None:
    assert visible("a\tb\x00c\x9b") == "a b\\x00c\\x9b"
    assert mask_secrets("ARG DB_PASSWORD=s3cretpass") == "ARG DB_PASSWORD=****"
    assert mask_secrets("LABEL author=alice") == "LABEL author=alice"
    assert mask_secrets("ENV API_KEY: 'abcd1234'") == "ENV API_KEY: '****'"


def test_secret_inside_an_image_file_shows_file_and_line() -> None:
    f = Finding(
        "HC5",
        Practice.SECRETS,
        Severity.HIGH,
        "t",
        "m",
        Location(layer_index=1, file="/app/.env", line=3, end_line=3),
        extra={"secret": "ghp_…", "fingerprint": "x"},
    )
    out = _plain(Report(findings=[f], target={"reference": "img"}))
    assert "layer 1 · /app/.env:3" in out


def test_instruction_only_finding_in_scan_quotes_the_dockerfile() -> None:
    f = Finding(
        "HC9",
        Practice.BUILD,
        Severity.MEDIUM,
        "t",
        "m",
        Location(layer_index=3, instruction=SourceSpan("Dockerfile", 9, 9)),
    )
    g = Finding("HC8", Practice.BUILD, Severity.LOW, "t", "m", Location(path="Dockerfile", line=1))
    out = _plain(Report(findings=[f, g], target={"reference": "img"}))
    assert "layer 3 · Dockerfile:9" in out and "9 │ USER root" in out
    assert "1 │ FROM ubuntu:latest" in out
