"""Hand-made reports shaped like what ``lint`` and ``scan`` produce, for every format test."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hullcheck import diagnostics as diag
from hullcheck.document import Report
from hullcheck.model import Finding, JSONValue, Location, Practice, Severity, SourceSpan
from hullcheck.report.options import RenderOptions, RuleHelp

RAW_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
"""Appears only in the Dockerfile text handed to the table; no output may contain it."""

DOCKERFILE = [
    "FROM ubuntu:latest",
    "ARG VERSION=1.2",
    "WORKDIR /app",
    f"ENV AWS_SECRET_ACCESS_KEY={RAW_SECRET}",
    "RUN apt-get update && \\",
    "    apt-get install -y curl ca-certificates && \\",
    "    rm -rf /var/lib/apt/lists/*",
    "RUN echo " + "x" * 300,
    "USER root",
    'CMD ["/app/run"]',
]
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _f(  # noqa: PLR0917 - mirrors the Finding constructor
    rule: str,
    practice: Practice,
    severity: Severity,
    title: str,
    message: str,
    location: Location,
    fix: str = "",
    **extra: object,
) -> Finding:
    return Finding(rule, practice, severity, title, message, location, fix, dict(extra))


def lint_findings() -> list[Finding]:
    return [
        _f(
            "HC1001",
            Practice.BASE_IMAGE,
            Severity.HIGH,
            "Base image is not pinned",
            "FROM ubuntu:latest follows a moving tag; builds are not reproducible.",
            Location(path="Dockerfile", line=1),
            "Pin a version and digest: FROM ubuntu:24.04@sha256:<digest>.",
        ),
        _f(
            "HC3001",
            Practice.SECRETS,
            Severity.CRITICAL,
            "Secret in ENV",
            "ENV AWS_SECRET_ACCESS_KEY holds an AWS secret access key (wJal…).",
            Location(path="Dockerfile", line=4),
            "Pass it at build time with RUN --mount=type=secret.",
            secret={"kind": "aws-secret-access-key", "redacted": "wJal…"},
            fingerprint="aws-secret:5f1c2d",
        ),
        _f(
            "HC2003",
            Practice.BUILD,
            Severity.MEDIUM,
            "apt-get install without --no-install-recommends",
            "Recommended packages add size and attack surface.",
            Location(path="Dockerfile", line=5, end_line=7),
            "Add --no-install-recommends.",
        ),
        _f(
            "HC4001",
            Practice.PRIVILEGES,
            Severity.HIGH,
            "Last USER is root",
            "The container runs as root.",
            Location(path="Dockerfile", line=9),
            "Add USER 10001 after the last step needing root.",
        ),
        _f(
            "HC7003",
            Practice.LAYER_HYGIENE,
            Severity.LOW,
            "Very long RUN line",
            "A 309-character line is hard to review.",
            Location(path="Dockerfile", line=8),
        ),
        _f(
            "HC0001",
            Practice.SYNTAX,
            Severity.INFO,
            "Unknown instruction",
            "Unknown instruction \x1b[31mFORM\x1b[0m (did you mean FROM?)",
            Location(path="docker/Dockerfile.dev", line=2),
            "Fix the spelling.",
        ),
    ]


def lint_report() -> Report:
    return Report(
        findings=lint_findings(),
        diagnostics=[
            diag.error(
                "dockerfile-unreadable",
                "dockerfile",
                "not a regular file",
                "all of build/Dockerfile",
                path="build/Dockerfile",
            ),
            diag.warning(
                "pragma-unknown", "rules", "pragma names unknown rule HC9999", "Dockerfile"
            ),
        ],
    )


def scan_findings() -> list[Finding]:
    return [
        _f(
            "HC6001",
            Practice.PRIVILEGES,
            Severity.HIGH,
            "Image runs as root",
            "The image config sets no USER; containers start as uid 0.",
            Location(),
            "Set USER to a non-root uid in the Dockerfile.",
        ),
        _f(
            "CVE-2024-0727",
            Practice.VULNERABILITIES,
            Severity.MEDIUM,
            "CVE-2024-0727: openssl: denial of service via null dereference in PKCS12 parsing",
            "openssl 3.0.11-1~deb12u2 is affected by CVE-2024-0727; fixed in 3.0.13-1~deb12u1",
            Location(layer="sha256:" + "a" * 64, layer_index=0, file="/var/lib/dpkg/status"),
            "Upgrade openssl to 3.0.13-1~deb12u1.",
            package={"name": "openssl", "version": "3.0.11-1~deb12u2", "type": "deb"},
            fixed_version="3.0.13-1~deb12u1",
            references=[
                "http://insecure.example/x",
                "https://www.openssl.org/news/secadv/20240125.txt",
            ],
        ),
        _f(
            "GHSA-9wx4-h78v-vm56",
            Practice.VULNERABILITIES,
            Severity.CRITICAL,
            "Requests Session object does not verify requests after making first request",
            "requests 2.25.0 is affected; no fixed version is known",
            Location(
                layer="sha256:" + "c" * 64,
                layer_index=2,
                file="/app/venv/lib/python3.11/site-packages/requests-2.25.0.dist-info/METADATA",
                instruction=SourceSpan("Dockerfile", 5, 7),
            ),
            "Upgrade requests to 2.32.0.",
            package={"name": "requests", "version": "2.25.0", "type": "pypi"},
            fixed_version=None,
        ),
        _f(
            "HC5002",
            Practice.SECRETS,
            Severity.HIGH,
            "Private key deleted in a later layer still ships",
            "An RSA private key (fingerprint SHA256:Xk3…) is in layer 1; layer 3 deletes it.",
            Location(
                layer="sha256:" + "b" * 64,
                layer_index=1,
                file="/root/.ssh/id_rsa",
                instruction=SourceSpan("Dockerfile", 4, 4),
            ),
            "Use RUN --mount=type=secret or a multi-stage build; rotate the key.",
            secret={"kind": "rsa-private-key", "redacted": "-----BEGIN RSA PRIVATE KEY-----…"},
            fingerprint="rsa-private-key:0c9e1f",
        ),
        _f(
            "HC7001",
            Practice.LAYER_HYGIENE,
            Severity.LOW,
            "Package manager cache left in the image",
            "/var/cache/apt holds 31.2 MB of downloaded packages.",
            Location(layer="sha256:" + "c" * 64, layer_index=2, file="/var/cache/apt"),
            "Clean the cache in the same RUN: rm -rf /var/lib/apt/lists/*.",
        ),
        _f(
            "HC8001",
            Practice.PROVENANCE,
            Severity.INFO,
            "No OCI source label",
            "org.opencontainers.image.source is not set.",
            Location(),
            "Add LABEL org.opencontainers.image.source=<repository URL>.",
        ),
    ]


def _layer(index: int, hexchar: str, size: int, wasted: int, created_by: str) -> dict[str, object]:
    return {
        "index": index,
        "digest": "sha256:" + hexchar * 64,
        "size": size,
        "bytes_added": size,
        "bytes_wasted": wasted,
        "created_by": created_by,
    }


def _traced(index: int, instruction: tuple[int, int] | None) -> dict[str, JSONValue]:
    """A ``summary.layer_table`` row as scan writes it once traced to ``DOCKERFILE``."""
    row: dict[str, JSONValue] = {"index": index, "bytes_wasted": 0}
    if instruction is None:
        row["base_image"] = True
    else:
        line, end = instruction
        row["instruction"] = {"path": "Dockerfile", "line": line, "end_line": end}
        row["keyword"] = "RUN"
    return row


def scan_report() -> Report:
    suppressed = _f(
        "HC7002",
        Practice.LAYER_HYGIENE,
        Severity.LOW,
        "Large file",
        "A 120 MB file.",
        Location(layer_index=2, file="/opt/big.bin"),
    )
    return Report(
        findings=scan_findings(),
        target={
            # The shape scan.target_json produces, plus an OS the catalogers may add.
            "reference": "registry.example.com/team/app:1.2",
            "source": "oci-layout",
            "digest": "sha256:" + "d" * 64,
            "manifest_media_type": "application/vnd.oci.image.manifest.v1+json",
            "synthetic_manifest": False,
            "index_digest": None,
            "config_digest": "sha256:" + "e" * 64,
            "platform": "linux/amd64",
            "created": "2025-06-30T12:00:00Z",
            "repo_tags": ["registry.example.com/team/app:1.2"],
            "config": {"user": "", "env": ["PATH=/usr/local/bin:/usr/bin"], "labels": {}},
            "history": [],
            "layers": [
                _layer(0, "a", 74_000_000, 3_403_000, "/bin/sh -c #(nop) ADD file:9f3c in / "),
                _layer(1, "b", 3_000, 0, "WORKDIR /app"),
                _layer(
                    2,
                    "c",
                    200_000,
                    31_200,
                    "RUN /bin/sh -c apt-get update &&     apt-get install -y curl "
                    "ca-certificates &&     rm -rf /var/lib/apt/lists/* # buildkit",
                ),
                _layer(3, "f", 10_000, 3_000, "RUN /bin/sh -c echo " + "x" * 300 + " # buildkit"),
            ],
            "base_os": "debian 12 (bookworm)",
        },
        packages=[],
        summary={
            "layers": 4,
            "complete": True,
            "paths": 5120,
            "layer_table": [
                {**_traced(0, None), "bytes_wasted": 3_403_000},
                {"index": 1, "bytes_wasted": 0, "traced": False},
                {**_traced(2, (5, 7)), "bytes_wasted": 31_200},
                {**_traced(3, (8, 8)), "bytes_wasted": 3_000},
            ],
        },
        suppressed=[suppressed],
    )


RULE_HELP = {
    "HC1001": RuleHelp(
        name="PinBaseImage",
        explanation="A moving tag makes every build pull whatever the tag points at today.",
        help_uri="https://example.invalid/rules/HC1001",
    )
}


@pytest.fixture
def lint() -> Report:
    return lint_report()


@pytest.fixture
def scan() -> Report:
    return scan_report()


@pytest.fixture
def plain_options() -> RenderOptions:
    return RenderOptions(color=False, width=100, sources={"Dockerfile": DOCKERFILE}, now=NOW)
