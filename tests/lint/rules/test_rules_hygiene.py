"""Layer hygiene: HC4001-HC4005."""

from __future__ import annotations

import pytest

from tests.support.rule_testing import Case, check_case

D = "FROM debian:12\n"
A = "FROM alpine:3.20\n"

CASES = (
    Case("HC4001", D + "RUN apt-get install -y gcc libssl-dev\n", (2,)),
    Case(
        "HC4001",
        A + "RUN apk add --no-cache --virtual .b gcc musl-dev && make && apk del .b\n",
        (),
        "virtual removed",
    ),
    Case(
        "HC4001",
        D + 'RUN saved="$(apt-mark showmanual)"; apt-get install -y gcc; make;'
        " apt-mark auto '.*'; apt-mark manual $saved; apt-get purge -y --auto-remove\n",
        (),
        "apt-mark purge pattern",
    ),
    Case(
        "HC4001",
        "FROM debian:12 AS b\nRUN apt-get install -y gcc\n"
        "FROM debian:12-slim\nCOPY --from=b /a /a\n",
        (),
        "multi-stage",
    ),
    Case("HC4002", D + "RUN a\nRUN b\n", (3,)),
    Case("HC4002", D + "RUN a\n# why\nRUN b\n", (4,), "comment between"),
    Case("HC4002", D + "RUN a\nENV X=1\nRUN b\n", (), "not consecutive"),
    Case("HC4002", D + "RUN a && b\nRUN c\n", (), "a deliberate unit"),
    Case("HC4002", D + "RUN --mount=type=cache,target=/c a\nRUN b\n", (), "different flags"),
    Case(
        "HC4002",
        "FROM debian:12 AS b\nRUN a\nRUN b\nFROM scratch\nCOPY --from=b /a /a\n",
        (),
        "builder stage",
    ),
    Case("HC3048", D + "RUN apt-get update\nRUN apt-get install -y curl\n", (2,)),
    Case("HC3048", D + "RUN apt-get update && apt-get install -y curl\n", (), "combined"),
    Case("HC4004", D + "COPY app.tar.gz /tmp/\nRUN tar -xzf /tmp/app.tar.gz -C /opt\n", (2,)),
    Case("HC4004", D + "COPY app.tar.gz /tmp/\nRUN ls /tmp/app.tar.gz\n", (), "not unpacked"),
    Case("HC4005", D + "COPY . .\n", (2,)),
    Case("HC4005", D + "COPY src/ /app/src/\n", (), "explicit paths"),
    Case("HC4006", "FROM debian:12 AS b\nRUN make\nFROM debian:12\nCOPY --from=b / /\n", (4,)),
    Case(
        "HC4006",
        "FROM golang:1 AS b\nRUN make\nFROM scratch AS out\nCOPY --from=b /app /app\n"
        "FROM debian:12\nCOPY --from=out / /\n",
        (),
        "export stage FROM scratch, and a path",
    ),
)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    check_case(case)
