"""Instruction correctness: HC0002-HC0015."""

from __future__ import annotations

import pytest

from tests.support.rule_testing import Case, check_case

D = "FROM debian:12\n"
WIN = "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\n"

CASES = (
    Case("HC0015", D + "WORKDIR /proc/self\n", (2,)),
    Case("HC0015", D + 'VOLUME ["/data", "/sys"]\n', (2,), "json volume"),
    Case("HC0015", D + "VOLUME /var/lib/x /dev\n", (2,), "second volume"),
    Case("HC0015", D + "WORKDIR /boot/../proc\n", (2,), "normalised"),
    Case("HC0015", D + "WORKDIR /procedures\nVOLUME /devices /srv/sys\n", (), "lookalikes"),
    Case("HC0015", D + "VOLUME $DATA\nWORKDIR /app\n", (), "variable, app dir"),
    Case("HC0002", D + "WORKDIR app\n", (2,)),
    Case("HC0002", D + 'WORKDIR /app\nWORKDIR $HOME/x\nWORKDIR "/q"\n', (), "absolute, var"),
    Case("HC0002", WIN + "WORKDIR C:\\app\n", (), "windows drive"),
    Case("HC0003", D + "EXPOSE 80 70000\n", (2,)),
    Case("HC0003", D + "EXPOSE 80/http\n", (2,), "bad protocol"),
    Case("HC0003", D + "EXPOSE 80/tcp 53/udp 8000-8010 $PORT\n", (), "valid forms"),
    Case("HC0004", D + 'CMD ["a"]\nCMD ["b"]\n', (3,)),
    Case("HC0004", D + 'HEALTHCHECK CMD true\nENTRYPOINT ["x"]\nHEALTHCHECK NONE\n', (4,)),
    Case("HC0004", D + 'CMD ["a"]\nFROM debian:12\nCMD ["b"]\n', (), "one per stage"),
    Case("HC0005", D + "COPY a b /app\n", (2,)),
    Case("HC0005", D + 'COPY ["a", "b", "/app"]\n', (2,), "json form"),
    Case("HC0005", D + "COPY a b /app/\nCOPY a /app\nCOPY a b $DEST\n", (), "dir, one source"),
    Case("HC0006", D + "COPY --from=biuld /a /a\n", (2,), "typo pulls an image"),
    Case(
        "HC0006",
        "FROM debian:12\nCOPY --from=build /a /a\nFROM debian:12 AS build\n",
        (2,),
        "forward reference",
    ),
    Case(
        "HC0006",
        "FROM golang:1.22 AS Build\nFROM debian:12\nCOPY --from=build /a /a\n"
        "COPY --from=0 /b /b\nCOPY --from=nginx:1.27 /c /c\n",
        (),
        "stage name any case, index, explicit image",
    ),
    Case("HC0007", "FROM debian:12 AS a\nCOPY --from=a /x /y\n", (2,)),
    Case("HC0007", "FROM debian:12 AS a\nFROM debian:12 AS b\nCOPY --from=a /x /y\n", ()),
    Case("HC0008", "FROM debian:12 AS a\nFROM debian:12 AS A\n", (2,)),
    Case("HC0008", "FROM debian:12 AS a\nFROM debian:12 AS b\n", ()),
    Case("HC0009", D + "CMD python app.py\n", (2,)),
    Case("HC0009", D + 'ENTRYPOINT ["python"]\nCMD ["app.py"]\n', (), "exec form"),
    Case(
        "HC0009",
        "FROM debian:12 AS b\nCMD make\nFROM scratch\nCOPY --from=b /a /a\n",
        (),
        "builder stage",
    ),
    Case("HC0009", WIN + "CMD powershell -File x.ps1\n", (), "windows"),
    Case("HC0010", "LABEL a=b\nFROM debian:12\n", (1,)),
    Case("HC0010", "ARG V=12\nFROM debian:$V\n", (), "ARG first is fine"),
    Case("HC0011", D + "ENV A=1 B=$A\n", (2,)),
    Case("HC0011", D + "ENV A=1 B=${A}/x\n", (2,), "braced"),
    Case("HC0011", D + "ENV PATH=/x:$PATH A=1\n", (), "own old value"),
    Case("HC0011", D + "ARG A\nENV A=1 B=$A\n", (), "defined before by ARG"),
    Case("HC0011", D + "ENV A=1\nENV B=$A\n", (), "separate ENV"),
    Case("HC0011", D + "ENV A=1 B='$A'\n", (), "single quotes do not expand"),
    Case("HC0012", D + "COPY app.py .\n", (2,)),
    Case("HC0012", D + "WORKDIR /app\nCOPY app.py .\n", (), "workdir set"),
    Case("HC0012", "FROM debian:12 AS b\nWORKDIR /a\nFROM b\nCOPY x .\n", (), "inherited"),
    Case("HC0012", D + "COPY app.py /app/\n", (), "absolute"),
    Case("HC0013", D + "LABEL Maintainer=me\n", (2,)),
    Case("HC0013", D + "LABEL com.docker.x=1\n", (2,), "reserved namespace"),
    Case("HC0013", D + 'LABEL org.opencontainers.image.title="x y" version=1\n', (), "valid"),
    Case("HC0014", "FROM --platform=linux/amd64 debian:12\n", (1,)),
    Case("HC0014", "FROM --platform=$TARGETPLATFORM debian:12\n", (1,), "redundant"),
    Case("HC0014", "FROM --platform=$BUILDPLATFORM golang:1.22\n", (), "cross-compile"),
    Case("HC0016", D + "ADD app.py /app/\n", (2,)),
    Case("HC0016", D + "ADD app.tar.gz /app/\n", (), "archive"),
    Case("HC0016", D + "ADD https://x/y /y\n", (), "url"),
)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    check_case(case)
