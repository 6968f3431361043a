"""yum/dnf/zypper: -y (HC3012-3014), caches (HC3015-3017), pins (HC3018-3020)."""

from __future__ import annotations

import pytest

from tests.support.rule_testing import Case, check_case

Y = "FROM centos:7\n"
F = "FROM fedora:40\n"
Z = "FROM opensuse/leap:15.6\n"

CASES = (
    Case("HC3012", Y + "RUN yum install httpd-2.4 && yum clean all\n", (2,)),
    Case("HC3012", Y + "RUN yum -y install httpd-2.4\n", (), "-y before"),
    Case("HC3012", Y + "RUN yum info httpd\n", (), "not an install"),
    Case("HC3013", F + "RUN dnf install httpd-2.4\n", (2,)),
    Case("HC3013", F + "RUN dnf install --assumeyes httpd-2.4\n", (), "long flag"),
    Case("HC3013", F + "RUN microdnf install httpd\n", (2,), "microdnf prompts too (3.9+)"),
    Case("HC3013", F + "RUN microdnf install -y httpd\n", (), "microdnf -y"),
    Case("HC3014", Z + "RUN zypper install httpd=2.4\n", (2,)),
    Case("HC3014", Z + "RUN zypper --non-interactive in httpd=2.4\n", (), "global option"),
    Case("HC3014", Z + "RUN zypper -n install httpd=2.4\n", (), "-n"),
    Case("HC3015", Y + "RUN yum install -y httpd-2.4\n", (2,)),
    Case("HC3015", Y + "RUN yum install -y httpd-2.4 && yum clean all\n", (), "cleaned"),
    Case("HC3015", Y + "RUN yum install -y x-1 && rm -rf /var/cache/yum\n", (), "removed"),
    Case("HC3016", F + "RUN dnf install -y httpd-2.4\n", (2,)),
    Case("HC3016", F + "RUN microdnf install httpd-2.4\n", (2,), "microdnf"),
    Case("HC3016", F + "RUN dnf install -y httpd-2.4 && dnf clean all\n", (), "cleaned"),
    Case(
        "HC3016",
        F + "RUN --mount=type=cache,target=/var/cache/dnf dnf install -y x-1\n",
        (),
        "cache mount",
    ),
    Case("HC3017", Z + "RUN zypper -n install httpd=2.4\n", (2,)),
    Case("HC3017", Z + "RUN zypper -n install httpd=2.4 && zypper clean -a\n", (), "cleaned"),
    Case("HC3018", Y + "RUN yum install -y httpd python3-devel && yum clean all\n", (2,)),
    Case("HC3018", Y + "RUN yum install -y httpd-2.4.6 && yum clean all\n", (), "pinned"),
    Case("HC3018", Y + "RUN yum module install -y nodejs:18\n", (), "module stream"),
    Case("HC3019", F + "RUN dnf install -y httpd\n", (2,)),
    Case("HC3019", F + "RUN dnf install -y /tmp/x.rpm httpd-2.4.57\n", (), "rpm file, pinned"),
    Case("HC3020", Z + "RUN zypper -n in httpd\n", (2,)),
    Case("HC3020", Z + "RUN zypper -n in 'httpd>=2.4'\n", (), "range"),
)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    check_case(case)
