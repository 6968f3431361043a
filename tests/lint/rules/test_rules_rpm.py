"""yum/dnf/zypper: -y (HC3012-3014), caches (HC4013-3017), pins (HC3018-3020)."""

from __future__ import annotations

import pytest

from tests.support.rule_testing import Case, check_case

Y = "FROM centos:7\n"
F = "FROM fedora:40\n"
Z = "FROM opensuse/leap:15.6\n"

CASES = (
    # dnf family: dnf5 (cache /var/cache/libdnf5), microdnf, tdnf; actions that fill the cache
    Case("HC4014", F + "RUN dnf5 install -y httpd-2.4.59\n", (2,), "dnf5"),
    Case("HC4014", F + "RUN dnf5 install -y httpd-2.4.59 && dnf5 clean all\n", (), "dnf5 clean"),
    Case(
        "HC4014",
        F + "RUN dnf5 install -y httpd-2.4.59 && rm -rf /var/cache/libdnf5\n",
        (),
        "dnf5 cache removed",
    ),
    Case("HC4014", F + "RUN dnf upgrade -y\n", (2,), "upgrade fills the cache"),
    Case("HC4014", F + "RUN dnf up -y && dnf clean all\n", (), "up, cleaned"),
    Case("HC4014", F + "RUN dnf upgrade-minimal -y\n", (2,), "upgrade-minimal"),
    Case("HC4014", F + "RUN dnf reinstall -y bash-5.2.26\n", (2,), "reinstall"),
    Case("HC4014", F + "RUN microdnf install -y httpd-2.4.59\n", (2,), "microdnf"),
    Case("HC4014", F + "RUN microdnf install -y httpd-2.4.59 && microdnf clean all\n", (), "mc"),
    Case("HC4014", F + "RUN tdnf install -y httpd-2.4.59\n", (2,), "tdnf"),
    Case("HC3013", F + "RUN dnf5 install httpd-2.4.59 && dnf5 clean all\n", (2,), "dnf5 -y"),
    Case("HC3019", F + "RUN microdnf install -y httpd && microdnf clean all\n", (2,), "md pin"),
    Case("HC4013", Y + "RUN yum clean all && yum install -y httpd-2.4.6\n", (2,), "clean first"),
    Case(
        "HC4013",
        Y + "RUN yum install -y httpd-2.4.6 && yum clean all && yum install -y mod_ssl-2.4.6\n",
        (2,),
        "a second install after the clean",
    ),
    Case("HC4013", Y + "RUN yum install -y httpd-2.4.6 && yum clean metadata\n", (2,), "metadata"),
    Case("HC4013", Y + "RUN yum install -y httpd-2.4.6 && yum clean all\n", (), "clean all"),
    Case("HC4015", Z + "RUN zypper patch -y\n", (2,), "zypper patch"),
    Case("HC4015", Z + "RUN zypper -n patch && zypper clean --all\n", (), "patch, cleaned"),
    Case("HC4015", Z + "RUN zypper in -y httpd=2.4.57\n", (2,), "zypper in"),
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
    Case("HC4013", Y + "RUN yum install -y httpd-2.4\n", (2,)),
    Case("HC4013", Y + "RUN yum install -y httpd-2.4 && yum clean all\n", (), "cleaned"),
    Case("HC4013", Y + "RUN yum install -y x-1 && rm -rf /var/cache/yum\n", (), "removed"),
    Case("HC4014", F + "RUN dnf install -y httpd-2.4\n", (2,)),
    Case("HC4014", F + "RUN microdnf install httpd-2.4\n", (2,), "microdnf"),
    Case("HC4014", F + "RUN dnf install -y httpd-2.4 && dnf clean all\n", (), "cleaned"),
    Case(
        "HC4014",
        F + "RUN --mount=type=cache,target=/var/cache/dnf dnf install -y x-1\n",
        (),
        "cache mount",
    ),
    Case("HC4015", Z + "RUN zypper -n install httpd=2.4\n", (2,)),
    Case("HC4015", Z + "RUN zypper -n install httpd=2.4 && zypper clean -a\n", (), "cleaned"),
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
