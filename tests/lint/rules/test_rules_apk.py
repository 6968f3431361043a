"""apk family: HC3010 pins, HC4012 --no-cache."""

from __future__ import annotations

import pytest

from tests.support.rule_testing import Case, check_case

A = "FROM alpine:3.20\n"

CASES = (
    Case("HC4012", A + "RUN apk update\n", (2,), "apk update alone in a RUN"),
    Case(
        "HC4012",
        A + "RUN apk update && apk add --no-cache curl=8.9.0-r0\n",
        (2,),
        "the update fills /var/cache/apk whatever the add says",
    ),
    Case(
        "HC4012",
        A + "RUN apk update && apk add curl=8.9.0-r0 && rm -rf /var/cache/apk/*\n",
        (),
        "index removed",
    ),
    Case("HC3010", A + "RUN apk add --no-cache curl\n", (2,)),
    Case("HC3010", A + "RUN apk add --no-cache curl=8.5.0-r0 git~2.45\n", (), "pinned"),
    Case(
        "HC3010",
        A + "RUN apk add --no-cache --virtual .build-deps gcc=13.2.1-r0\n",
        (),
        "virtual name is not a package",
    ),
    Case("HC3010", A + "RUN apk add --no-cache /tmp/x.apk\n", (), "local file"),
    Case("HC4012", A + "RUN apk update && apk add curl=8.5.0-r0\n", (2,)),
    Case("HC4012", A + "RUN apk add -U curl\n", (2,), "short update flag"),
    Case("HC4012", A + "RUN apk add --no-cache curl\n", (), "flag"),
    Case("HC4012", A + "RUN apk add --no-network --virtual .rd $deps\n", (), "no download"),
    Case("HC4012", A + "RUN apk add curl && rm -rf /var/cache/apk/*\n", (), "removed"),
    Case(
        "HC4012",
        A + "RUN --mount=type=cache,target=/var/cache/apk apk add curl\n",
        (),
        "cache mount",
    ),
    Case(
        "HC4012",
        "FROM alpine:3.20 AS b\nRUN apk add gcc\nFROM scratch\nCOPY --from=b /a /a\n",
        (),
        "builder stage",
    ),
    Case(
        "HC4012",
        "FROM alpine:3.20 AS dev\nRUN apk add gcc\nFROM alpine:3.20\nRUN true\n",
        (2,),
        "a stage nothing uses is a --target",
    ),
)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    check_case(case)
