"""apt family: HC3002 -y, HC3003 pins, HC4011 lists, HC3005 apt vs apt-get, HC3006 upgrades."""

from __future__ import annotations

import pytest

from tests.support.rule_testing import Case, check_case

D = "FROM debian:12\n"

L = " && rm -rf /var/lib/apt/lists/*\n"
CASES = (
    # apt-get's -q is only quiet; -qq / -q=2 imply -y (apt-get(8))
    Case(
        "HC3002", D + "RUN apt-get -q install --no-install-recommends curl=7.88.1-10\n", (2,), "-q"
    ),
    Case(
        "HC3002", D + "RUN apt-get -qq install --no-install-recommends curl=7.88.1-10\n", (), "-qq"
    ),
    Case(
        "HC3002",
        D + "RUN apt-get -q=2 install --no-install-recommends curl=7.88.1-10\n",
        (),
        "-q=2",
    ),
    Case(
        "HC3002",
        D + "RUN apt-get -q -q install --no-install-recommends curl=7.88.1-10\n",
        (),
        "-q -q",
    ),
    Case("HC3002", D + "RUN aptitude install -R curl=7.88.1-10\n", (2,), "aptitude without -y"),
    Case(
        "HC3003", D + "RUN apt-get update && aptitude install -y -R curl" + L, (2,), "aptitude pin"
    ),
    Case(
        "HC3003",
        D + "RUN apt-get update && aptitude install -y -R curl=7.88.1-10" + L,
        (),
        "pinned",
    ),
    Case("HC4010", D + "RUN aptitude install -y curl=7.88.1-10\n", (2,), "aptitude recommends"),
    Case("HC4010", D + "RUN aptitude install -y --without-recommends curl=7.88.1-10\n", (), "-R"),
    Case(
        "HC4011",
        D + "RUN aptitude update && aptitude install -y -R curl=7.88.1-10\n",
        (2,),
        "aptitude update",
    ),
    Case(
        "HC4011",
        D + "RUN --mount=type=cache,target=/var/cache/apt apt-get update \\\n"
        " && apt-get install -y --no-install-recommends curl=7.88.1-10\n",
        (2,),
        "a cache mount on /var/cache/apt does not hold the lists",
    ),
    Case(
        "HC4011",
        D + "RUN --mount=type=cache,target=/var/lib/apt apt-get update \\\n"
        " && apt-get install -y --no-install-recommends curl=7.88.1-10\n",
        (),
        "a cache mount on /var/lib/apt holds them",
    ),
    Case("HC3006", D + "RUN aptitude safe-upgrade -y" + L, (2,), "aptitude safe-upgrade"),
    # HC3002 apt-get install without -y
    Case("HC3002", D + "RUN apt-get update && apt-get install curl\n", (2,)),
    Case(
        "HC3002",
        D + "RUN apt-get update \\\n  && sudo apt-get install \\\n  curl\n",
        (3,),
        "sudo, line 3",
    ),
    Case("HC3002", D + "RUN apt-get install -qy curl\n", (), "-y in a cluster"),
    Case("HC3002", D + "RUN apt-get --assume-yes install curl\n", (), "long flag first"),
    Case("HC3002", D + "RUN apt-get -qq install curl\n", (), "-qq implies -y"),
    Case("HC3002", D + "RUN yes | apt-get install curl\n", (), "yes piped in"),
    Case("HC3002", D + "RUN echo apt-get install curl\n", (), "only echoed"),
    # HC3003 unpinned apt packages
    Case(
        "HC3003",
        "FROM debian:12 AS a\nARG V=7.88.1-10\nFROM debian:12\nRUN apt-get install -y curl=${V}\n",
        (4,),
        "a version set in another stage expands to nothing",
    ),
    Case(
        "HC3003",
        "ARG V=7.88.1-10\nFROM debian:12\nRUN apt-get install -y curl=$V\n",
        (3,),
        "an ARG before FROM not redeclared in the stage",
    ),
    Case(
        "HC3003",
        "ARG V=7.88.1-10\nFROM debian:12\nARG V\nRUN apt-get install -y curl=$V\n",
        (),
        "redeclared",
    ),
    Case(
        "HC3003",
        "FROM debian:12 AS a\nENV V=1\nFROM a\nRUN apt-get install -y curl=$V\n",
        (),
        "ENV is inherited by a stage built FROM it",
    ),
    Case(
        "HC3003",
        "FROM debian:12 AS a\nARG V=1\nFROM debian:12\nRUN V=2 && apt-get install -y curl=$V\n",
        (),
        "set by the RUN itself",
    ),
    Case("HC3003", "FROM debian:12\nRUN apt-get install -y curl=$FROM_BASE\n", (), "unknown: base"),
    Case("HC3003", D + "RUN apt-get install -y curl=7.88.1-10 git\n", (2,)),
    Case("HC3003", D + "RUN <<EOF\napt-get install -y \\\n  git\nEOF\n", (3,), "heredoc script"),
    Case(
        "HC3003", D + "RUN apt-get install -y curl=7.88.1-10 ./local.deb\n", (), "pinned and .deb"
    ),
    Case("HC3003", D + "RUN apt-get install -y -t bookworm-backports curl=8.1\n", (), "-t value"),
    Case("HC3003", D + "RUN apt-get install -y $PACKAGES\n", (), "variable: unknown"),
    Case("HC3003", D + "RUN apt-get install -y gcc=4:12.2.0-3 libc-dev\n", (), "virtual package"),
    # HC4011 apt lists left behind
    Case("HC4011", D + "RUN apt-get update && apt-get install -y curl\n", (2,)),
    Case(
        "HC4011",
        "FROM debian:12 AS base\nRUN apt-get update\nFROM base\nRUN true\n",
        (2,),
        "parent of the final stage ships",
    ),
    Case(
        "HC4011",
        D + "RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n",
        (),
        "cleaned",
    ),
    Case("HC4011", D + "RUN apt-get update && apt-get dist-clean\n", (), "apt 3 dist-clean"),
    Case(
        "HC4011",
        D + "RUN --mount=type=cache,target=/var/lib/apt/lists apt-get update\n",
        (),
        "cache mount",
    ),
    Case(
        "HC4011",
        "FROM debian:12 AS build\nRUN apt-get update\nFROM scratch\nCOPY --from=build /x /x\n",
        (),
        "builder stage does not ship",
    ),
    # HC3005 apt instead of apt-get
    Case("HC3005", D + "RUN apt install -y curl\n", (2,)),
    Case("HC3005", D + "RUN apt-get install -y curl && apt-cache policy curl\n", (), "apt-get"),
    Case("HC3005", D + "RUN apt list --installed\n", (), "read-only apt"),
    # HC3006 whole-system upgrade
    Case("HC3006", D + "RUN apt-get update && apt-get -y dist-upgrade\n", (2,)),
    Case("HC3006", "FROM opensuse/leap:15\nRUN zypper -n dup\n", (2,), "zypper dup"),
    Case("HC3006", "FROM alpine:3.20\nRUN apk upgrade --no-cache\n", (2,), "apk upgrade"),
    Case("HC3006", D + "RUN apt-get install -y --only-upgrade openssl\n", (), "one package"),
    Case("HC3006", "FROM fedora:40\nRUN dnf update -y openssl\n", (), "named package"),
)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    check_case(case)
