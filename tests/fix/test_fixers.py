"""Every fixer: the rewrite it makes, that a second run changes nothing, and a near miss
it must leave alone.  The meta-test at the end fails when a registered fixer has no case."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from hullcheck.fix.engine import FixEngine
from hullcheck.fix.registry import FIXERS, select
from hullcheck.policy.config import DEFAULT


@dataclass(frozen=True)
class Case:
    fixer: str
    before: str
    after: str
    near_miss: str


CASES = [
    Case(
        "no-install-recommends",
        "FROM debian:12\nRUN apt-get update && apt-get install -y curl \\\n"
        "    && rm -rf /var/lib/apt/lists/*\n",
        "FROM debian:12\nRUN apt-get update && apt-get install --no-install-recommends -y curl \\\n"
        "    && rm -rf /var/lib/apt/lists/*\n",
        "FROM debian:12\nRUN apt-get update && apt-get -o APT::Install-Recommends=0 install -y"
        " curl && rm -rf /var/lib/apt/lists/*\n",
    ),
    Case(
        "apt-lists",
        "FROM debian:12\n# tools\nRUN apt-get update \\\n"
        "    && apt-get install -y --no-install-recommends curl\n",
        "FROM debian:12\n# tools\nRUN apt-get update \\\n"
        "    && apt-get install -y --no-install-recommends curl \\\n"
        "    && rm -rf /var/lib/apt/lists/*\n",
        "FROM debian:12\nRUN --mount=type=cache,target=/var/lib/apt apt-get update"
        " && apt-get install -y --no-install-recommends curl\n",
    ),
    Case(
        "pip-no-cache-dir",
        "FROM python:3.12\nRUN python3 -m pip install flask==3.0.0\n",
        "FROM python:3.12\nRUN python3 -m pip install --no-cache-dir flask==3.0.0\n",
        "FROM python:3.12\nENV PIP_NO_CACHE_DIR=1\nRUN pip install flask==3.0.0\n",
    ),
    Case(
        "npm-cache",
        "FROM node:20\nRUN npm ci\n",
        "FROM node:20\nRUN npm ci && npm cache clean --force\n",
        "FROM node:20\nRUN --mount=type=cache,target=/root/.npm npm ci\n",
    ),
    Case(
        "apk-no-cache",
        "FROM alpine:3.20\nRUN apk add git=2.45.2-r0\n",
        "FROM alpine:3.20\nRUN apk add --no-cache git=2.45.2-r0\n",
        "FROM alpine:3.20\nRUN apk add git=2.45.2-r0 && rm -rf /var/cache/apk/*\n",
    ),
    Case(
        "yum-clean",
        "FROM centos:7\nRUN yum install -y httpd-2.4.6\n",
        "FROM centos:7\nRUN yum install -y httpd-2.4.6 && yum clean all && rm -rf /var/cache/yum\n",
        "FROM centos:7\nRUN yum install -y httpd-2.4.6 && rm -rf /var/cache/yum\n",
    ),
    Case(
        "dnf-clean",
        "FROM fedora:40\nRUN dnf install -y httpd-2.4.62\n",
        "FROM fedora:40\nRUN dnf install -y httpd-2.4.62 && dnf clean all\n",
        "FROM fedora:40\nRUN dnf install -y httpd-2.4.62 # keep the cache\n",
    ),
    Case(
        "pipefail",
        "FROM debian:12\n# fetch\nRUN curl -fsSL https://example.com/a.tgz | tar xz\n",
        'FROM debian:12\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\n# fetch\n'
        "RUN curl -fsSL https://example.com/a.tgz | tar xz\n",
        "FROM debian:12\nRUN curl -fsSL https://example.com/a.tgz | tar xz\n"
        "RUN yes | /opt/installer.sh\n",
    ),
    Case(
        "exec-form",
        'FROM debian:12\nCMD python3 -m http.server "8000"\n',
        'FROM debian:12\nCMD ["python3", "-m", "http.server", "8000"]\n',
        "FROM debian:12\nCMD python3 -m http.server $PORT\n",
    ),
    Case(
        "add-to-copy",
        "FROM debian:12\nADD --chown=1000 app.py /app/\n",
        "FROM debian:12\nCOPY --chown=1000 app.py /app/\n",
        "FROM debian:12\nADD app.tar.gz /app/\n",
    ),
    Case(
        "oci-labels",
        "FROM debian:12\nUSER 1000\n",
        'FROM debian:12\nLABEL org.opencontainers.image.title="" \\\n'
        '      org.opencontainers.image.description="" \\\n'
        '      org.opencontainers.image.source="" \\\n'
        '      org.opencontainers.image.version="" \\\n'
        '      org.opencontainers.image.revision="" \\\n'
        '      org.opencontainers.image.licenses=""\nUSER 1000\n',
        "FROM debian:12\nLABEL org.opencontainers.image.source=https://example.com/x\n",
    ),
    Case(
        "non-root-user",
        'FROM debian:12\nRUN echo build\nCOPY app /app\nCMD ["/app"]\n',
        "FROM debian:12\nRUN echo build\n"
        "RUN groupadd --system --gid 10001 app && useradd --system --no-log-init --uid 10001"
        ' --gid app --no-create-home app\nUSER 10001:10001\nCOPY app /app\nCMD ["/app"]\n',
        'FROM debian:12\nRUN echo build\nUSER root\nCMD ["/app"]\n',
    ),
]


def _fix(fixer: str, text: str) -> str:
    engine = FixEngine(select([fixer], unsafe=True, resolver=False), config=DEFAULT)
    return engine.fix_text(text, "Dockerfile").text


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.fixer)
def test_rewrite(case: Case) -> None:
    assert _fix(case.fixer, case.before) == case.after


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.fixer)
def test_idempotent(case: Case) -> None:
    once = _fix(case.fixer, case.before)
    assert _fix(case.fixer, once) == once


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.fixer)
def test_near_miss_left_alone(case: Case) -> None:
    assert _fix(case.fixer, case.near_miss) == case.near_miss


def test_every_fixer_has_a_case() -> None:
    resolverless = {f.id for f in FIXERS if not f.needs_resolver}
    assert resolverless <= {c.fixer for c in CASES}


def _fix_all(text: str) -> str:
    engine = FixEngine(select(None, unsafe=False, resolver=False), config=DEFAULT)
    return engine.fix_text(text, "Dockerfile").text


def test_crlf_and_comments_are_kept() -> None:
    text = "FROM debian:12\r\n# why\r\nRUN apt-get update \\\r\n  && apt-get install -y curl\r\n"
    fixed = _fix_all(text)
    assert fixed == (
        "FROM debian:12\r\n# why\r\nRUN apt-get update \\\r\n"
        "  && apt-get install --no-install-recommends -y curl \\\r\n"
        "  && rm -rf /var/lib/apt/lists/*\r\n"
    )


def test_backtick_escape_files_are_left_alone() -> None:
    """``# escape=`` ` marks a Windows build: lint runs no shell rules there, so fix has
    no finding to act on and must not touch the file."""
    text = "# escape=`\nFROM debian:12\nRUN apt-get update `\n    && apt-get install -y curl\n"
    assert _fix_all(text) == text


def test_heredoc_run_body_is_edited_in_place_and_never_appended_to() -> None:
    text = (
        "FROM debian:12\nRUN <<EOF\napt-get update\napt-get install -y curl\nEOF\n"
        "COPY <<EOF /etc/motd\nhello\nEOF\n"
    )
    fixed = _fix_all(text)
    # the flag goes inside the heredoc script; the lists removal is not appended after EOF
    assert "apt-get install --no-install-recommends -y curl\nEOF\n" in fixed
    assert fixed.endswith("COPY <<EOF /etc/motd\nhello\nEOF\n")
    assert "rm -rf /var/lib/apt/lists" not in fixed
