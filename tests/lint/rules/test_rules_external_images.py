"""Images pulled by COPY --from and RUN --mount=from: HC1006 (no version) and HC1007 (no digest)."""

from __future__ import annotations

import pytest

from tests.support.rule_testing import Case, check_case

D = "FROM debian:12@sha256:" + "a" * 64 + " AS build\nRUN true\nFROM scratch\n"
DIGEST = "@sha256:" + "b" * 64

CASES = (
    Case("HC1006", D + "COPY --from=alpine:latest /bin/sh /bin/sh\n", (4,)),
    Case("HC1006", D + "COPY --from=ghcr.io/acme/tools /bin/t /bin/t\n", (4,), "registry, no tag"),
    Case(
        "HC1006",
        D + "RUN --mount=type=bind,from=golang:latest,source=/x,target=/x true\n",
        (4,),
        "mount",
    ),
    Case("HC1006", D + "COPY --from=build /out /out\n", (), "an earlier stage"),
    Case("HC1006", D + "COPY --from=0 /out /out\n", (), "a stage index"),
    Case("HC1006", D + "COPY --from=alpine:3.20 /bin/sh /bin/sh\n", (), "tagged"),
    Case("HC1006", D + f"COPY --from=alpine{DIGEST} /bin/sh /bin/sh\n", (), "digest only"),
    Case("HC1006", D + "COPY --from=bulid /out /out\n", (), "a typo is HC3042's"),
    Case("HC1006", D + "ARG IMG=alpine:latest\nCOPY --from=${IMG} /x /x\n", (), "variable"),
    Case("HC1007", D + "COPY --from=docker.io/library/busybox:1.36 /bin/busybox /b\n", (4,)),
    Case(
        "HC1007",
        D + "RUN --mount=from=node:22-slim,source=/usr/local,target=/n true\n",
        (4,),
        "mount",
    ),
    Case("HC1007", D + f"COPY --from=busybox:1.36{DIGEST} /bin/busybox /b\n", (), "pinned"),
    Case("HC1007", D + "COPY --from=alpine:latest /bin/sh /bin/sh\n", (), "latest is HC1006's"),
    Case("HC1007", D + "RUN --mount=type=cache,target=/root/.cache true\n", (), "no from"),
)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    check_case(case)
