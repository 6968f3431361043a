"""Metadata: HC7001 MAINTAINER, HC7002 HEALTHCHECK, HC7003 DEBIAN_FRONTEND."""

from __future__ import annotations

import pytest

from tests.support.rule_testing import Case, check_case

D = "FROM debian:12\n"

CASES = (
    Case("HC7001", D + "MAINTAINER me <me@x>\n", (2,)),
    Case("HC7001", D + 'LABEL org.opencontainers.image.authors="me"\n', ()),
    Case("HC7002", D + "USER 1000\n", (1,)),
    Case("HC7002", D + "HEALTHCHECK CMD true\n", ()),
    Case("HC7002", "FROM debian:12 AS b\nHEALTHCHECK CMD true\nFROM b\n", (), "inherited"),
    Case(
        "HC7002",
        "FROM debian:12 AS test\nHEALTHCHECK CMD true\nFROM debian:12\nUSER 1000\n",
        (3,),
        "a HEALTHCHECK in another stage",
    ),
    Case("HC7003", D + "ENV DEBIAN_FRONTEND=noninteractive\n", (2,)),
    Case("HC7003", D + "ARG DEBIAN_FRONTEND=noninteractive\n", (), "ARG"),
    Case("HC7003", D + "RUN DEBIAN_FRONTEND=noninteractive apt-get install -y x\n", (), "inline"),
)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    check_case(case)
