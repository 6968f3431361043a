"""Secrets in Dockerfile text (lint) and in image config/history (scan)."""

from __future__ import annotations

import json
from pathlib import Path

from hullcheck.secrets import SecretScanner
from hullcheck.secrets.dockerfile import dockerfile_scanner, instructions, key_values
from hullcheck.secrets.imageconfig import scan_image_config

from .corpus import checksummed

DOCKERFILE = """\
# syntax=docker/dockerfile:1
FROM python:3.12-slim
ARG TOKEN
ARG NPM_TOKEN=q8v7z6x5w4
ENV PASSWORD_FILE=/run/secrets/db \\
    DB_PASSWORD=hunter2x9 \\
    APP_ENV=prod
ENV LEGACY_SECRET s3cr3t-v4lue
LABEL maintainer="a@b.c" api_key="${API_KEY}"
COPY id_rsa /root/.ssh/id_rsa
COPY --chown=app:app .env.example ./
COPY ["credentials.json", "/app/"]
RUN --mount=type=secret,id=pw mysql --password="$(cat /run/secrets/pw)" -e 'select 1'
RUN curl -u deploy:Zq8wLm3x https://nexus/x -o /x
RUN echo GH_TOKEN_PLACEHOLDER > /dev/null
"""


def test_dockerfile_findings() -> None:
    token = checksummed("ghp_")
    text = DOCKERFILE.replace("GH_TOKEN_PLACEHOLDER", token)
    findings = dockerfile_scanner()("Dockerfile", text)
    got = [(f.rule, f.location.line, f.location.end_line, f.extra.get("key")) for f in findings]
    assert got == [
        ("secret-in-variable", 4, 4, "NPM_TOKEN"),
        ("secret-in-variable", 5, 7, "DB_PASSWORD"),
        ("secret-in-variable", 8, 8, "LEGACY_SECRET"),
        ("sensitive-file-ssh-key", 10, 10, None),
        ("sensitive-file-credentials", 12, 12, None),
        ("curl-user-password", 14, 14, None),
        ("github-token", 15, 15, None),
    ]
    blob = json.dumps([f.to_json() for f in findings])
    for secret in ("hunter2x9", "q8v7z6x5w4", "s3cr3t-v4lue", "Zq8wLm3x", token):
        assert secret not in blob


def test_show_secrets_opt_in() -> None:
    findings = dockerfile_scanner(show_secrets=True)("Dockerfile", "ENV DB_PASSWORD=hunter2x9\n")
    assert [f.extra["secret"] for f in findings] == ["hunter2x9"]


def test_instruction_reader() -> None:
    insts = list(instructions("FROM a\nENV A=1 \\\n  # note\n  B='two words'\nRUN x"))
    assert [(i.keyword, i.line, i.end_line) for i in insts] == [
        ("FROM", 1, 1),
        ("ENV", 2, 4),
        ("RUN", 5, 5),
    ]
    assert key_values(insts[1]) == [("A", "1"), ("B", "two words")]


def test_image_config_env_labels_and_history() -> None:
    token = checksummed("npm_")
    matches = scan_image_config(
        SecretScanner(),
        env=["PATH=/usr/bin", "DB_PASSWORD=hunter2x9", "PASSWORD_FILE=/run/secrets/x"],
        labels={
            "org.opencontainers.image.source": "https://github.com/a/b",
            "api_key": "k3yV4lue9",
        },
        history=[
            "/bin/sh -c #(nop) ADD file:abc in / ",
            "/bin/sh -c #(nop)  ENV SECRET_KEY=x(8)vq!2p#mz",
            "RUN |2 NPM_TOKEN=" + token + " HTTP_PROXY= /bin/sh -c npm ci",
            "RUN |1 BUILD_PASSWORD=Pa55-w0rd /bin/sh -c make",
            None,
        ],
    )
    got = [(m.path, m.rule.id, m.key) for m in matches]
    assert got == [
        ("config:Env", "secret-in-variable", "DB_PASSWORD"),
        ("config:Labels", "secret-in-variable", "api_key"),
        ("history[1]", "secret-in-variable", "SECRET_KEY"),
        ("history[2]", "npm-access-token", None),
        ("history[3]", "secret-in-variable", "BUILD_PASSWORD"),
    ]


# Every finding over the 1,285 real Dockerfiles of shared/corpus, each reviewed by hand:
# literal passwords in ENV (CI demos, nagios, vsftpd), a secret-scanner test fixture, and
# COPY/ADD of a .env, a Java keystore and a credentials.json into the image.
CORPUS_FINDINGS = {
    ("secret-in-variable", "JohnMsousa__Curso_CI_2/Dockerfile", 9),
    ("secret-in-variable", "Lubrum__github-actions-with-go/Dockerfile", 8),
    ("secret-in-variable", "michael-zero__integracao-continua/Dockerfile", 6),
    # weak passwords where the variable says it is one (ENV PASSWORD password)
    ("secret-in-variable", "vimagick__dockerfiles/hans__arm__Dockerfile", 20),
    ("secret-in-variable", "zp4rker__centos7-ssh/Dockerfile", 16),
    ("secret-in-variable", "goodwithtech__dockle/pkg__scanner__testdata__Dockerfile.base", 9),
    ("secret-in-variable", "vimagick__dockerfiles/ocserv__Dockerfile", 89),
    (
        "secret-in-variable",
        "moby__buildkit/frontend__dockerfile__parser__testfiles__cpuguy83-nagios__Dockerfile",
        8,
    ),
    ("secret-in-variable", "webdevops__Dockerfile/docker__vsftp__latest__Dockerfile", 8),
    (
        "aws-access-key-id",
        "bridgecrewio__checkov/tests__secrets__resources__file_type__Dockerfile",
        9,
    ),
    (
        "aws-access-key-id",
        "bridgecrewio__checkov/tests__secrets__resources__file_type__Dockerfile.simple",
        3,
    ),
    ("sensitive-file-dotenv", "0-don__typescript-node/Dockerfile", 27),
    ("sensitive-file-key-store", "SeleniumHQ__docker-selenium/Base__Dockerfile", 143),
    (
        "sensitive-file-credentials",
        "goodwithtech__dockle/pkg__scanner__testdata__Dockerfile.base",
        5,
    ),
}


def test_real_dockerfile_corpus(shared_dir: Path) -> None:
    root = shared_dir / "corpus" / "dockerfiles"
    scan = dockerfile_scanner()
    found = set()
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.name != "MANIFEST.tsv":
            rel = str(path.relative_to(root))
            text = path.read_bytes().decode("utf-8", "replace")
            found.update((f.rule, rel, f.location.line) for f in scan(rel, text))
    assert found == CORPUS_FINDINGS
