"""Tables for the example rules: HC1001 unpinned base, HC2001 root, HC4010, HC5001."""

from __future__ import annotations

import pytest

from tests.support.rule_testing import Case, check_case

CASES = (
    # HC1001 base image not pinned
    Case("HC1001", "FROM debian\n", (1,)),
    Case("HC1001", "FROM debian:latest AS base\nFROM base\n", (1,), "latest, stage reuse"),
    Case("HC1001", "ARG V=latest\nFROM alpine:${V}\n", (2,), "latest via ARG default"),
    Case("HC1001", "FROM ghcr.io/acme/app\n", (1,), "other registry"),
    Case("HC1001", "FROM debian:12\nFROM scratch\n", (), "tag and scratch"),
    Case("HC1001", "FROM debian@sha256:" + "a" * 64 + "\n", (), "digest only"),
    Case("HC1001", "FROM debian:12 AS b\nFROM b\n", (), "stage name is not an image"),
    Case("HC1001", "ARG V\nFROM alpine:$V\n", (), "unknown build arg: cannot tell"),
    Case("HC1001", "FROM localhost:5000/app:1.0\n", (), "registry port is not a tag"),
    # HC2001 runs as root
    Case("HC2001", "FROM debian:12\nRUN true\n", (1,)),
    Case("HC2001", "FROM debian:12\nUSER app\nUSER root\n", (3,), "switched back to root"),
    Case("HC2001", "FROM debian:12\nUSER 0:0\n", (2,), "uid 0"),
    Case("HC2001", "FROM debian:12 AS b\nUSER app\nFROM debian:12\n", (3,), "only final stage"),
    Case("HC2001", "FROM debian:12\nUSER app\n", (), "non-root user"),
    Case("HC2001", "FROM debian:12 AS b\nUSER 10001\nFROM b\nRUN true\n", (), "inherited USER"),
    Case("HC2001", "FROM scratch\nCOPY app /app\n", (), "scratch has no root shell"),
    # HC4010 apt-get without --no-install-recommends
    Case("HC4010", "FROM debian:12\nRUN apt-get update && apt-get install -y curl\n", (2,)),
    Case(
        "HC4010",
        "FROM debian:12\nRUN apt-get update \\\n && sudo apt-get -q install -y \\\n curl\n",
        (3,),
        "continuation, sudo, option before subcommand",
    ),
    Case(
        "HC4010",
        "FROM debian:12\nRUN <<EOF\nset -e\napt-get install -y git\nEOF\n",
        (4,),
        "inside a heredoc script",
    ),
    Case(
        "HC4010",
        "FROM debian:12\nRUN apt-get install -y --no-install-recommends curl\n",
        (),
        "flag given",
    ),
    Case(
        "HC4010",
        "FROM debian:12\nRUN apt-get -o APT::Install-Recommends=false install -y curl\n",
        (),
        "apt option",
    ),
    Case("HC4010", "FROM debian:12\nRUN echo apt-get install curl\n", (), "only an argument"),
    Case(
        "HC4010",
        "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN apt-get install x\n",
        (),
        "windows: no shell analysis",
    ),
    # HC5001 curl | sh
    Case("HC5001", "FROM debian:12\nRUN curl -fsSL https://x.sh | sh\n", (2,)),
    Case(
        "HC5001",
        "FROM debian:12\nRUN set -e; \\\n  wget -qO- https://x | sudo bash -s -- -y\n",
        (3,),
        "wget into sudo bash on line 3",
    ),
    Case(
        "HC5001",
        "FROM debian:12\nRUN curl -fsSLo i.sh https://x && sha256sum -c s && sh i.sh\n",
        (),
        "downloaded and verified",
    ),
    Case("HC5001", "FROM debian:12\nRUN curl -fsSL https://x | tar -xz\n", (), "piped to tar"),
)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    check_case(case)
