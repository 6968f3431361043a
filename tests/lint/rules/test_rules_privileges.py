"""Privileges: HC2002-HC2010 (HC2001 is in test_rules_examples)."""

from __future__ import annotations

import pytest

from tests.support.rule_testing import Case, check_case

D = "FROM debian:12\n"

CASES = (
    # HC2001 also handles uid 0 forms and inheritance (extra near misses)
    Case("HC2001", D + "USER root:root\n", (2,), "root:root"),
    Case("HC2001", D + "USER 0\n", (2,), "uid 0"),
    Case("HC2001", D + "USER root:app\n", (2,), "root with another group"),
    Case("HC2001", D + "USER app:root\n", (), "group root only"),
    Case("HC2001", D + "USER rootless\n", (), "name starting with root"),
    # scratch: no USER is the runner's choice, but naming root is a root image
    Case("HC2001", "FROM scratch\nCOPY app /app\nUSER 0\n", (3,), "scratch, USER 0"),
    Case("HC2001", 'FROM scratch\nUSER root\nCMD ["/app"]\n', (2,), "scratch, USER root"),
    Case("HC2001", "FROM scratch\nCOPY app /app\n", (), "scratch, no USER"),
    Case("HC2001", "FROM scratch\nUSER 10001\n", (), "scratch, uid 10001"),
    Case(
        "HC2001", "FROM scratch AS s\nUSER 0\nFROM s\nCOPY a /a\n", (2,), "inherited from scratch"
    ),
    Case("HC2002", D + "RUN sudo apt-get install -y curl=1\n", (2,)),
    Case("HC2002", D + "RUN echo sudo && apt-get -y install sudo=1\n", (), "package name"),
    Case("HC2003", D + "RUN apt-get install -y sudo\n", (2,)),
    Case(
        "HC2003",
        D + "RUN echo 'app ALL=(ALL) NOPASSWD:ALL' >> /etc/sudoers\n",
        (2,),
        "passwordless sudo",
    ),
    Case(
        "HC2003",
        "FROM debian:12 AS b\nRUN apt-get install -y sudo\nFROM scratch\nCOPY --from=b /x /x\n",
        (),
        "builder stage",
    ),
    Case("HC2004", D + "RUN gosu app make install\n", (2,)),
    Case("HC2004", D + 'ENTRYPOINT ["gosu", "app", "server"]\n', (), "entrypoint is the use"),
    Case("HC2004", D + "RUN gosu --version && gosu nobody true\n", (), "install smoke test"),
    Case("HC2005", D + "RUN chmod 777 /app\n", (2,)),
    Case("HC2005", D + "RUN chmod -R 777 /app\n", (), "recursive is HC2011"),
    Case("HC2011", D + "RUN chmod -R 777 /app\n", (2,)),
    Case("HC2011", D + "RUN chmod --recursive a+w /srv\n", (2,), "long flag, symbolic"),
    Case("HC2011", D + "RUN chmod -R 755 /app && chmod -R 1777 /tmp/x\n", (), "safe modes"),
    Case("HC2005", D + "RUN chmod o+w /data\n", (2,), "symbolic"),
    Case("HC2005", D + "COPY --chmod=666 a /a\n", (2,), "COPY --chmod"),
    Case("HC2005", D + "RUN chmod 1777 /tmp/x && chmod 755 /app && chmod a+rX /s\n", (), "safe"),
    Case("HC2005", D + "RUN chmod o-w /x && echo chmod 777\n", (), "removal, echo"),
    Case("HC2006", D + "RUN chmod u+s /usr/bin/tool\n", (2,)),
    Case("HC2006", D + "RUN chmod 4755 /usr/bin/tool\n", (2,), "octal"),
    Case("HC2006", D + "RUN chmod u-s /usr/bin/tool && chmod 0755 /x\n", (), "removal"),
    Case("HC2008", D + "RUN apt-get install -y openssh-server\n", (2,)),
    Case("HC2008", D + "RUN apt-get install -y openssh-client\n", (), "client only"),
    Case("HC2009", D + "EXPOSE 22\n", (2,)),
    Case("HC2009", D + "EXPOSE 2222 8022\n", (), "other ports"),
    Case("HC2010", D + "USER app\n", (2,)),
    Case("HC2010", D + "USER 10001:10001\n", (), "numeric"),
    Case("HC2010", "FROM debian:12 AS b\nUSER app\nFROM debian:12\nUSER 1000\n", (), "final"),
)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    check_case(case)
