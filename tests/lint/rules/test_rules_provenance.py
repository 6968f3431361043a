"""Provenance: HC5002-HC5005 (HC5001 is in test_rules_examples)."""

from __future__ import annotations

import pytest

from tests.support.rule_testing import Case, check_case

D = "FROM debian:12\n"

CASES = (
    Case("HC5002", D + "ADD https://example.com/a.tgz /opt/\n", (2,)),
    Case("HC5002", D + "ADD https://github.com/a/b.git#main /src\n", (2,), "git ref"),
    Case("HC5002", D + "ADD --checksum=sha256:" + "a" * 64 + " https://x/a.tgz /opt/\n", ()),
    Case("HC5002", D + "ADD app.tgz /opt/\n", (), "local archive"),
    Case("HC5002", D + "ADD https://github.com/a/b.git?commit=${REV} /src\n", (), "commit pin"),
    Case("HC5003", D + "ADD app.py /app/\n", (2,)),
    Case("HC5003", D + "ADD app.tar.gz /app/\n", (), "archive"),
    Case("HC5003", D + "ADD https://x/y /y\n", (), "url"),
    Case("HC5004", D + "RUN curl -fsSLo /tmp/a.tgz https://x/a.tgz && tar -xzf /tmp/a.tgz\n", (2,)),
    Case("HC5004", D + "RUN wget -q https://x/a.tgz\n", (2,), "wget"),
    Case("HC5004", D + "RUN wget -qO- https://x/a.tgz | tar -xz\n", (2,), "wget into tar"),
    Case("HC5004", D + "RUN wget -qO- https://x/i.sh | sh\n", (), "piped to sh is HC5001"),
    Case(
        "HC5004",
        D + "RUN curl -fsSLo a.tgz https://x/a.tgz \\\n && echo 'abc  a.tgz' | sha256sum -c -\n",
        (),
        "verified",
    ),
    Case("HC5004", D + "RUN curl -fsS http://localhost:8080/health\n", (), "not a download"),
    Case("HC5005", D + "RUN curl -k -fsSLo a https://x\n", (2,)),
    Case("HC5005", D + "RUN pip install --trusted-host pypi.corp x==1\n", (2,), "pip"),
    Case("HC5005", D + "ENV GIT_SSL_NO_VERIFY=1\n", (2,), "env"),
    Case("HC5005", D + "RUN npm config set strict-ssl false\n", (2,), "npm"),
    Case("HC5005", D + "RUN git config --global http.sslVerify false\n", (2,), "git"),
    Case("HC5005", D + "RUN apt-get install -y --allow-unauthenticated x\n", (2,), "apt"),
    Case("HC5005", "FROM fedora:40\nRUN dnf install -y --nogpgcheck x\n", (2,), "dnf"),
    Case("HC5005", D + "RUN curl -fsSL https://x -o y && echo --insecure\n", (), "echo"),
    Case("HC5005", D + "ENV GIT_SSL_NO_VERIFY=0 NODE_TLS_REJECT_UNAUTHORIZED=1\n", (), "on"),
)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    check_case(case)
