"""Base images: HC1002 digest, HC1003 trusted registries, HC1004 heavy final image."""

from __future__ import annotations

from pathlib import Path

import pytest

from hullcheck.lint import Linter
from tests.support.rule_testing import Case, check_case

DIGEST = "@sha256:" + "a" * 64

CASES = (
    Case("HC1002", "FROM debian:12-slim\n", (1,)),
    Case("HC1002", "FROM debian:12-slim" + DIGEST + "\n", (), "digest"),
    Case("HC1002", "FROM debian\n", (), "untagged is HC1001's"),
    Case("HC1002", "ARG T\nFROM debian:$T\n", (), "unknown"),
    Case("HC1003", "FROM quay.io/x/y:1\n", (1,), trusted=("docker.io",)),
    Case(
        "HC1003",
        "FROM debian:12\nCOPY --from=evil.io/t:1 /t /t\n",
        (2,),
        "COPY --from image",
        trusted=("docker.io",),
    ),
    Case("HC1003", "FROM ghcr.io/acme/app:1\n", (), "prefix", trusted=("ghcr.io/acme",)),
    Case("HC1003", "FROM quay.io/x/y:1\n", (), "no policy configured"),
    Case(
        "HC1003",
        "FROM debian:12\nRUN --mount=from=evil.io/t:1,source=/t,target=/t true\n",
        (2,),
        "RUN --mount=from image",
        trusted=("docker.io",),
    ),
    Case("HC1003", "FROM eu.gcr.io/p/app:1\n", (), "wildcard host", trusted=("*.gcr.io",)),
    Case("HC1003", "FROM gcr.io.evil.com/p/app:1\n", (1,), "not under it", trusted=("*.gcr.io",)),
    Case(
        "HC1003",
        "FROM evilgcr.io/p/app:1\n",
        (1,),
        "a suffix is not a subdomain",
        trusted=("*.gcr.io",),
    ),
    Case("HC1003", "FROM quay.io/x/y:1\n", (), "anything", trusted=("*",)),
    Case("HC1004", "FROM python:3.12\n", (1,)),
    Case("HC1004", "FROM golang:1.22 AS b\nFROM b\n", (1,), "via a stage"),
    Case("HC1004", "FROM golang:1.22 AS b\nFROM python:3.12-slim\n", (), "slim final"),
    Case("HC1004", "FROM ubuntu/nginx:1.24\n", (), "not the plain image"),
    Case("HC1005", "FROM python:2.7-slim\n", (1,)),
    Case("HC1005", "FROM debian:stretch-slim AS b\nFROM centos:7\n", (1, 2), "codename, centos"),
    Case("HC1005", "FROM python:3.12-buster\n", (1,), "runtime fine, OS not"),
    Case("HC1005", "FROM centos:centos7.9.2009\n", (1,), "the centos image's centosN tags"),
    Case("HC1005", "FROM centos:latest\n", (), "a moving tag is not a release"),
    Case("HC1005", "FROM node:14-alpine\n", (1,), "node 14"),
    Case("HC1005", "FROM python:3.12-slim\nFROM debian:12\nFROM alpine:3.22\n", (), "supported"),
    Case("HC1005", "FROM ghcr.io/acme/python:2.7\n", (), "not the official image"),
)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    check_case(case)


def test_trusted_registries_from_hadolint_config(tmp_path: Path) -> None:
    """hadolint's `trustedRegistries` drives HC1003 when no .hullcheck.yaml exists."""
    (tmp_path / ".hadolint.yaml").write_text("trustedRegistries:\n  - docker.io\n")
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM quay.io/acme/app:1\nFROM debian:12\n")
    report = Linter().lint_paths([str(dockerfile)])
    assert [(f.rule, f.location.line) for f in report.findings if f.rule == "HC1003"] == [
        ("HC1003", 1)
    ]
