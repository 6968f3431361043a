"""Instruction correctness: HC3040-HC2012."""

from __future__ import annotations

import pytest

from tests.support.rule_testing import Case, check_case

D = "FROM debian:12\n"
WIN = "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\n"

CASES = (
    Case("HC2012", D + "WORKDIR /proc/self\n", (2,)),
    Case("HC2012", D + 'VOLUME ["/data", "/sys"]\n', (2,), "json volume"),
    Case("HC2012", D + "VOLUME /var/lib/x /dev\n", (2,), "second volume"),
    Case("HC2012", D + "WORKDIR /boot/../proc\n", (2,), "normalised"),
    Case("HC2012", D + "WORKDIR /procedures\nVOLUME /devices /srv/sys\n", (), "lookalikes"),
    Case("HC2012", D + "VOLUME $DATA\nWORKDIR /app\n", (), "variable, app dir"),
    Case("HC3040", D + "WORKDIR app\n", (2,)),
    Case("HC3040", D + 'WORKDIR /app\nWORKDIR $HOME/x\nWORKDIR "/q"\n', (), "absolute, var"),
    Case("HC3040", WIN + "WORKDIR C:\\app\n", (), "windows drive"),
    Case("HC0003", D + "EXPOSE 80 70000\n", (2,)),
    Case("HC0003", D + "EXPOSE 80/http\n", (2,), "bad protocol"),
    Case("HC0003", D + "EXPOSE 80/tcp 53/udp 8000-8010 $PORT\n", (), "valid forms"),
    Case("HC3041", D + 'CMD ["a"]\nCMD ["b"]\n', (3,)),
    Case("HC3041", D + 'HEALTHCHECK CMD true\nENTRYPOINT ["x"]\nHEALTHCHECK NONE\n', (4,)),
    Case("HC3041", D + 'CMD ["a"]\nFROM debian:12\nCMD ["b"]\n', (), "one per stage"),
    Case("HC0005", D + "COPY a b /app\n", (2,)),
    Case("HC0005", D + 'COPY ["a", "b", "/app"]\n', (2,), "json form"),
    Case("HC0005", D + "COPY a b /app/\nCOPY a /app\nCOPY a b $DEST\n", (), "dir, one source"),
    Case("HC3042", D + "COPY --from=biuld /a /a\n", (2,), "typo pulls an image"),
    Case(
        "HC3042",
        "FROM debian:12\nCOPY --from=build /a /a\nFROM debian:12 AS build\n",
        (2,),
        "forward reference",
    ),
    Case(
        "HC3042",
        "FROM golang:1.22 AS Build\nFROM debian:12\nCOPY --from=build /a /a\n"
        "COPY --from=0 /b /b\nCOPY --from=nginx:1.27 /c /c\n",
        (),
        "stage name any case, index, explicit image",
    ),
    Case("HC0007", "FROM debian:12 AS a\nCOPY --from=a /x /y\n", (2,)),
    Case("HC0007", "FROM debian:12 AS a\nFROM debian:12 AS b\nCOPY --from=a /x /y\n", ()),
    Case("HC0008", "FROM debian:12 AS a\nFROM debian:12 AS A\n", (2,)),
    Case("HC0008", "FROM debian:12 AS a\nFROM debian:12 AS b\n", ()),
    Case("HC3043", D + "CMD python app.py\n", (2,)),
    Case("HC3043", D + 'ENTRYPOINT ["python"]\nCMD ["app.py"]\n', (), "exec form"),
    Case(
        "HC3043",
        "FROM debian:12 AS b\nCMD make\nFROM scratch\nCOPY --from=b /a /a\n",
        (),
        "builder stage",
    ),
    Case("HC3043", WIN + "CMD powershell -File x.ps1\n", (), "windows"),
    Case("HC0010", "LABEL a=b\nFROM debian:12\n", (1,)),
    Case("HC0010", "ARG V=12\nFROM debian:$V\n", (), "ARG first is fine"),
    Case("HC3044", D + "ENV A=1 B=$A\n", (2,)),
    Case("HC3044", D + "ENV A=1 B=${A}/x\n", (2,), "braced"),
    Case("HC3044", D + "ENV PATH=/x:$PATH A=1\n", (), "own old value"),
    Case("HC3044", D + "ARG A\nENV A=1 B=$A\n", (), "defined before by ARG"),
    Case("HC3044", D + "ENV A=1\nENV B=$A\n", (), "separate ENV"),
    Case("HC3044", D + "ENV A=1 B='$A'\n", (), "single quotes do not expand"),
    Case("HC3045", D + "COPY app.py .\n", (2,)),
    Case("HC3045", D + "WORKDIR /app\nCOPY app.py .\n", (), "workdir set"),
    Case("HC3045", "FROM debian:12 AS b\nWORKDIR /a\nFROM b\nCOPY x .\n", (), "inherited"),
    Case("HC3045", D + "COPY app.py /app/\n", (), "absolute"),
    Case("HC7004", D + "LABEL Maintainer=me\n", (2,)),
    Case("HC7004", D + "LABEL com.docker.x=1\n", (2,), "reserved namespace"),
    Case("HC7004", D + 'LABEL org.opencontainers.image.title="x y" version=1\n', (), "valid"),
    Case("HC3046", "FROM --platform=linux/amd64 debian:12\n", (1,)),
    Case("HC3046", "FROM --platform=$TARGETPLATFORM debian:12\n", (1,), "redundant"),
    Case("HC3046", "FROM --platform=$BUILDPLATFORM golang:1.22\n", (), "cross-compile"),
    Case("HC3047", D + "ADD app.zip /opt/\n", (2,), "ADD does not unpack a zip"),
    Case("HC3047", D + "ADD rootfs.tar.xz /\n", (), "ADD unpacks a tar.xz"),
    Case("HC3047", D + "ADD app.py /app/\n", (2,)),
    Case("HC3047", D + "ADD app.tar.gz /app/\n", (), "archive"),
    Case("HC3047", D + "ADD https://x/y /y\n", (), "url"),
)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    check_case(case)
