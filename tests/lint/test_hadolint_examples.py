"""hadolint's documented examples, one bad and one good form per code hullcheck claims.

For every code in a rule's ``hadolint=`` tuple, the pair below is written after the
example on hadolint's wiki page for that code (our own Dockerfiles, same point).  Three
checks per pair:

* hullcheck fires on the bad form with a rule claiming the code (a finding tagged with
  that code, or untagged);
* hullcheck stays silent on the good form (no finding of those rules for that code);
* hadolint 2.15 itself does the same (``peer``): the examples say what hadolint says.

Where hullcheck differs from hadolint on purpose, the pair carries the reason and
``docs/hadolint-agreement.md`` explains it; the test then asserts the difference.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from hullcheck.lint import Linter
from hullcheck.policy.config import Config
from hullcheck.rules.registry import hadolint_map

D = "FROM debian:12.5\n"
A = "FROM alpine:3.20\n"
C = "FROM centos:7.9.2009\n"
S = "FROM opensuse/leap:15.5\n"
F = "FROM fedora:40\n"
P = "FROM python:3.12.4\n"
N = "FROM node:20.11.1\n"
R = "FROM ruby:3.3.1\n"
G = "FROM golang:1.22.3\n"
Y = "RUN yum install -y "
APT = "RUN apt-get update && apt-get install -y --no-install-recommends "
CLEAN = " && rm -rf /var/lib/apt/lists/*\n"


@dataclass(frozen=True, slots=True)
class Example:
    code: str
    bad: str
    good: str
    trusted: tuple[str, ...] = ()
    hadolint_args: tuple[str, ...] = ()
    hadolint_silent_on_bad: str = ""
    """Why hadolint 2.15 does not report the bad form (a removed or opt-in code)."""


EXAMPLES = (
    Example("DL1000", D + "RUNN echo ok\n", D + "RUN echo ok\n"),
    Example("DL3000", D + "WORKDIR usr/src/app\n", D + "WORKDIR /usr/src/app\n"),
    Example("DL3001", D + "RUN top\n", D + "RUN echo ok\n"),
    Example(
        "DL3002", D + "USER app\nRUN true\nUSER root\n", D + "USER root\nRUN true\nUSER 1000\n"
    ),
    Example(
        "DL3003",
        D + "RUN cd /usr/src/app && git pull\n",
        D + "WORKDIR /usr/src/app\nRUN git pull\n",
    ),
    Example("DL3004", D + "RUN sudo make install\n", D + "RUN make install\n"),
    Example(
        "DL3005",
        D + "RUN apt-get update && apt-get upgrade -y" + CLEAN,
        D + APT + "curl=7.88.1-10" + CLEAN,
        hadolint_silent_on_bad="DL3005 was removed from hadolint 2.x",
    ),
    Example("DL3006", "FROM debian\n", "FROM debian:12.5\n"),
    Example("DL3007", "FROM debian:latest\n", "FROM debian:12.5\n"),
    Example("DL3008", D + APT + "python3" + CLEAN, D + APT + "python3=3.11.2-1+b1" + CLEAN),
    Example(
        "DL3009",
        D + "RUN apt-get update && apt-get install -y --no-install-recommends python3=3.11.2-1\n",
        D + APT + "python3=3.11.2-1" + CLEAN,
    ),
    Example(
        "DL3010",
        D + "COPY rootfs.tar.xz /tmp/\nRUN tar -xJf /tmp/rootfs.tar.xz -C /\n",
        D + "ADD rootfs.tar.xz /\n",
    ),
    Example("DL3011", D + "EXPOSE 80000\n", D + "EXPOSE 8080\n"),
    Example(
        "DL3012",
        D + 'HEALTHCHECK CMD ["true"]\nHEALTHCHECK CMD ["false"]\n',
        D + 'HEALTHCHECK CMD ["true"]\n',
    ),
    Example(
        "DL3013",
        P + "RUN pip install --no-cache-dir django\n",
        P + "RUN pip install --no-cache-dir django==5.0.6\n",
    ),
    Example(
        "DL3014",
        D + "RUN apt-get update && apt-get install --no-install-recommends curl=7.88.1-10" + CLEAN,
        D + APT + "curl=7.88.1-10" + CLEAN,
    ),
    Example(
        "DL3015",
        D + "RUN apt-get update && apt-get install -y curl=7.88.1-10" + CLEAN,
        D + APT + "curl=7.88.1-10" + CLEAN,
    ),
    Example(
        "DL3016", N + "RUN npm install -g express\n", N + "RUN npm install -g express@4.19.2\n"
    ),
    Example(
        "DL3018",
        A + "RUN apk add --no-cache python3\n",
        A + "RUN apk add --no-cache python3=3.12.3-r1\n",
    ),
    Example(
        "DL3019",
        A + "RUN apk add python3=3.12.3-r1\n",
        A + "RUN apk add --no-cache python3=3.12.3-r1\n",
    ),
    Example("DL3020", D + "ADD requirements.txt /app/\n", D + "COPY requirements.txt /app/\n"),
    Example(
        "DL3021",
        D + "COPY package.json yarn.lock /app\n",
        D + "COPY package.json yarn.lock /app/\n",
    ),
    Example(
        "DL3022",
        D + "COPY --from=build /app /app\n",
        "FROM debian:12.5 AS build\nRUN true\n" + D + "COPY --from=build /app /app\n",
    ),
    Example(
        "DL3023",
        "FROM debian:12.5 AS app\nCOPY --from=app /a /b\n",
        "FROM debian:12.5 AS build\nRUN true\nFROM debian:12.5 AS app\nCOPY --from=build /a /b\n",
    ),
    Example(
        "DL3024",
        "FROM debian:12.5 AS x\nRUN true\nFROM debian:12.5 AS x\n",
        "FROM debian:12.5 AS x\nRUN true\nFROM debian:12.5 AS y\n",
    ),
    Example("DL3025", D + "CMD my-service server\n", D + 'CMD ["my-service", "server"]\n'),
    Example(
        "DL3026",
        "FROM quay.io/acme/app:1.0\n",
        "FROM docker.io/library/debian:12.5\n",
        trusted=("docker.io",),
        hadolint_args=("--trusted-registry", "docker.io"),
    ),
    Example("DL3027", D + "RUN apt install -y curl\n", D + APT + "curl=7.88.1-10" + CLEAN),
    Example("DL3028", R + "RUN gem install bundler\n", R + "RUN gem install bundler:2.5.10\n"),
    Example("DL3029", "FROM --platform=linux/amd64 debian:12.5\n", "FROM debian:12.5\n"),
    Example(
        "DL3030",
        C + "RUN yum install httpd-2.4.6 && yum clean all\n",
        C + Y + "httpd-2.4.6 && yum clean all\n",
    ),
    Example("DL3032", C + Y + "httpd-2.4.6\n", C + Y + "httpd-2.4.6 && yum clean all\n"),
    Example("DL3033", C + Y + "httpd && yum clean all\n", C + Y + "httpd-2.4.6 && yum clean all\n"),
    Example(
        "DL3034",
        S + "RUN zypper install httpd=2.4.57 && zypper clean\n",
        S + "RUN zypper install -y httpd=2.4.57 && zypper clean\n",
    ),
    Example(
        "DL3035",
        S + "RUN zypper dist-upgrade -y && zypper clean\n",
        S + "RUN zypper install -y httpd=2.4.57 && zypper clean\n",
    ),
    Example(
        "DL3036",
        S + "RUN zypper install -y httpd=2.4.57\n",
        S + "RUN zypper install -y httpd=2.4.57 && zypper clean\n",
    ),
    Example(
        "DL3037",
        S + "RUN zypper install -y httpd && zypper clean\n",
        S + "RUN zypper install -y httpd=2.4.57 && zypper clean\n",
    ),
    Example(
        "DL3038",
        F + "RUN dnf install httpd-2.4.59 && dnf clean all\n",
        F + "RUN dnf install -y httpd-2.4.59 && dnf clean all\n",
    ),
    Example(
        "DL3040",
        F + "RUN dnf install -y httpd-2.4.59\n",
        F + "RUN dnf install -y httpd-2.4.59 && dnf clean all\n",
    ),
    Example(
        "DL3041",
        F + "RUN dnf install -y httpd && dnf clean all\n",
        F + "RUN dnf install -y httpd-2.4.59 && dnf clean all\n",
    ),
    Example(
        "DL3042",
        P + "RUN pip install django==5.0.6\n",
        P + "RUN pip install --no-cache-dir django==5.0.6\n",
    ),
    Example("DL3043", D + "ONBUILD FROM debian:12.5\n", D + "ONBUILD RUN echo ok\n"),
    Example(
        "DL3044",
        D + "ENV BASE=/opt APP=$BASE/app\n",
        D + "ENV BASE=/opt\nENV APP=$BASE/app\n",
    ),
    Example("DL3045", D + "COPY app.py .\n", D + "WORKDIR /app\nCOPY app.py .\n"),
    Example(
        "DL3046",
        D + "RUN useradd -u 123456 app\n",
        D + "RUN useradd -l -u 123456 app\n",
    ),
    Example(
        "DL3047",
        D + "RUN wget https://example.com/a.tar.gz\n",
        D + "RUN wget --progress=dot:giga https://example.com/a.tar.gz\n",
    ),
    Example("DL3048", D + "LABEL invalid-=x\n", D + "LABEL org.opencontainers.image.title=x\n"),
    Example(
        "DL3057",
        D + 'USER 1000\nCMD ["app"]\n',
        D + 'USER 1000\nHEALTHCHECK CMD ["app", "--check"]\nCMD ["app"]\n',
        hadolint_args=("--info", "DL3057"),
    ),
    Example("DL3059", D + "RUN mkdir /a\nRUN mkdir /b\n", D + "RUN mkdir /a && mkdir /b\n"),
    Example(
        "DL3060",
        N + "RUN yarn install --frozen-lockfile\n",
        N + "RUN yarn install --frozen-lockfile && yarn cache clean\n",
    ),
    Example("DL3061", "LABEL a=b\nFROM debian:12.5\n", "ARG V=12.5\nFROM debian:$V\n"),
    Example(
        "DL3062",
        G + "RUN go install example.com/tool\n",
        G + "RUN go install example.com/tool@v1.2.3\n",
    ),
    Example("DL3064", D + "ARG AWS_SECRET_ACCESS_KEY\n", D + "ARG APP_VERSION\n"),
    Example(
        "DL3065",
        "FROM --platform=$TARGETPLATFORM debian:12.5\n",
        "FROM --platform=$BUILDPLATFORM debian:12.5\n",
    ),
    Example("DL3066", D + "USER app\n", D + "USER 10001\n"),
    Example(
        "DL3067",
        "FROM debian:12.5 AS build\nRUN true\n" + D + "COPY --from=build / /\n",
        "FROM debian:12.5 AS build\nRUN true\n" + D + "COPY --from=build /app /app\n",
    ),
    Example(
        "DL4000",
        D + "MAINTAINER Jane <jane@example.com>\n",
        D + 'LABEL maintainer="Jane <jane@example.com>"\n',
    ),
    Example(
        "DL4001",
        D + "RUN wget -q https://x.io/a && curl -fsSO https://x.io/b\n",
        D + "RUN curl -fsSO https://x.io/a && curl -fsSO https://x.io/b\n",
    ),
    Example("DL4003", D + 'CMD ["a"]\nCMD ["b"]\n', D + 'CMD ["b"]\n'),
    Example("DL4004", D + 'ENTRYPOINT ["a"]\nENTRYPOINT ["b"]\n', D + 'ENTRYPOINT ["b"]\n'),
    Example(
        "DL4005",
        D + "RUN ln -sfv /bin/bash /bin/sh\n",
        D + 'SHELL ["/bin/bash", "-c"]\n',
    ),
    Example(
        "DL4006",
        D + "RUN wget -qO- https://x.io/a | wc -l\n",
        D + 'SHELL ["/bin/bash", "-o", "pipefail", "-c"]\nRUN wget -qO- https://x.io/a | wc -l\n',
    ),
)
BY_CODE = {e.code: e for e in EXAMPLES}
CODES = hadolint_map()


def _fired(example: Example, text: str) -> list[str]:
    """The findings of the rules claiming ``example.code`` that count for that code."""
    rules = set(CODES[example.code])
    result = Linter().lint_text(text, "Dockerfile", Config(trusted_registries=example.trusted))
    return [
        f"{f.rule}@{f.location.line}"
        for f in result.findings
        if f.rule in rules and f.extra.get("hadolint") in (None, example.code)
    ]


def test_every_claimed_code_has_an_example() -> None:
    assert sorted(CODES) == sorted(BY_CODE)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.code)
def test_bad_form_fires(example: Example) -> None:
    assert _fired(example, example.bad), f"{example.code}: nothing on\n{example.bad}"


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.code)
def test_good_form_is_silent(example: Example) -> None:
    assert _fired(example, example.good) == [], f"{example.code} on\n{example.good}"


def _hadolint() -> str:
    found = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(found).exists():
        pytest.skip("hadolint not installed")
    return found


def _hadolint_codes(text: str, args: tuple[str, ...], tmp: Path) -> set[str]:
    path = tmp / "Dockerfile"
    path.write_text(text)
    proc = subprocess.run(
        [_hadolint(), "--no-fail", "--format", "json", *args, str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    return {r["code"] for r in json.loads(proc.stdout or "[]")}


@pytest.mark.peer
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.code)
def test_hadolint_agrees_on_the_example(example: Example, tmp_path: Path) -> None:
    """The pair says what hadolint says: it flags the bad form and passes the good one."""
    bad = _hadolint_codes(example.bad, example.hadolint_args, tmp_path)
    good = _hadolint_codes(example.good, example.hadolint_args, tmp_path)
    assert example.code not in good, example.good
    if example.hadolint_silent_on_bad:
        assert example.code not in bad, "hadolint reports it now: drop the exemption"
    else:
        assert example.code in bad, (example.bad, bad)
