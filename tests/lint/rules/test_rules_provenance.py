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
    Case("HC5005", D + "ENV NODE_TLS_REJECT_UNAUTHORIZED=1 PYTHONHTTPSVERIFY=1\n", (), "on"),
    # git only asks whether GIT_SSL_NO_VERIFY is set: "0" and "false" turn checks off too
    Case("HC5005", D + "ENV GIT_SSL_NO_VERIFY=0\n", (2,), "git any value"),
    Case("HC5005", D + "ENV GIT_SSL_CAINFO=/etc/ca.pem\n", (), "git CA file"),
    Case("HC5005", D + "RUN GIT_SSL_NO_VERIFY=false git clone https://x/y\n", (2,), "inline"),
    Case("HC5005", D + "RUN export PYTHONHTTPSVERIFY=0 && python x.py\n", (2,), "export"),
    Case("HC5005", D + "RUN NODE_TLS_REJECT_UNAUTHORIZED='0' node x.js\n", (2,), "quoted"),
    Case("HC5005", D + "RUN export PYTHONHTTPSVERIFY=1 && python x.py\n", (), "export on"),
    Case("HC5005", D + "RUN NPM_CONFIG_STRICT_SSL=false npm ci\n", (2,), "npm inline"),
    Case("HC5005", D + "RUN npm install strict-ssl\n", (), "a package named strict-ssl"),
    Case("HC5005", D + "RUN apt-get install -y --force-yes x\n", (2,), "apt force-yes"),
    Case("HC5005", "FROM photon:5.0\nRUN tdnf install -y --nogpgcheck x\n", (2,), "tdnf"),
    Case("HC5005", "FROM fedora:40\nRUN rpm -i --noverify /x.rpm\n", (2,), "rpm noverify"),
    Case("HC5005", "FROM fedora:40\nRUN rpm -i --nodigest /x.rpm\n", (2,), "rpm nodigest"),
    Case(
        "HC5005",
        "FROM fedora:40\nRUN dnf config-manager --setopt=fedora.sslverify=0 --save\n",
        (2,),
        "dnf config-manager",
    ),
    Case(
        "HC5005",
        "FROM centos:7\nRUN yum-config-manager --setopt=sslverify=false --save\n",
        (2,),
        "yum-config-manager",
    ),
    Case("HC5005", "FROM centos:7\nRUN yum-config-manager --enable extras\n", (), "enable"),
    Case(
        "HC5005",
        "FROM centos:7\nRUN echo sslverify=0 >> /etc/yum.conf\n",
        (2,),
        "written to a repo file",
    ),
    Case("HC5005", "FROM centos:7\nRUN echo sslverify=0\n", (), "an echo that goes nowhere"),
)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    check_case(case)
