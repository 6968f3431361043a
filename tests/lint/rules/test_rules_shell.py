"""Shell usage in RUN: HC3030-HC4019."""

from __future__ import annotations

import pytest

from tests.support.rule_testing import Case, check_case

D = "FROM debian:12\n"
WIN = "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\n"

CASES = (
    Case("HC3030", D + "RUN service nginx start\n", (2,)),
    Case("HC3030", D + "RUN apt-get install -y vim && \\\n  vim -c q file\n", (3,), "line 3"),
    Case("HC3030", D + "RUN echo top && ssh-keyscan github.com >> k\n", (), "words only"),
    Case("HC3031", D + "RUN cd /src && make\n", (2,)),
    Case("HC3031", D + "RUN x=$(cd /src && pwd)\n", (), "inside $( )"),
    Case("HC3031", D + "RUN echo cd /src\n", (), "echo"),
    Case("HC3032", D + "RUN ln -sf /bin/bash /bin/sh\n", (2,)),
    Case("HC3032", D + "RUN ln -s /usr/bin/python3 /usr/bin/python\n", (), "other link"),
    Case("HC3033", D + "RUN curl -fsSL https://x/y.tgz | tar -xz\n", (2,)),
    Case("HC3033", D + "RUN set -e; \\\n  wget -qO- https://x | tar -x\n", (3,), "continuation"),
    Case(
        "HC3033",
        D + 'SHELL ["/bin/bash", "-o", "pipefail", "-c"]\nRUN curl -fsSL https://x | tar -xz\n',
        (),
        "SHELL with pipefail",
    ),
    Case("HC3033", D + "RUN set -o pipefail && curl -fsSL https://x | tar -xz\n", (), "set"),
    Case("HC3033", D + "RUN echo 'x y' | tee /etc/conf\n", (), "echo cannot fail"),
    Case("HC3033", D + 'RUN echo "u:$(cat /run/s)" | chpasswd\n', (2,), "echo of $( ) can"),
    Case("HC3033", WIN + "RUN Get-Content x | Out-File y\n", (), "PowerShell"),
    Case("HC3034", D + "RUN wget https://x/y.tgz\n", (2,)),
    Case("HC3034", D + "RUN wget -qO- https://x/y.tgz > y && wget -nv https://z\n", (), "quiet"),
    Case("HC3034", D + "RUN wget --progress=dot:giga https://x/y.tgz\n", (), "progress"),
    Case("HC4018", D + "RUN useradd -u 1000000 app\n", (2,)),
    Case("HC4018", D + "RUN useradd --no-log-init -u 1000000 app\n", (), "flag"),
    Case("HC4018", D + "RUN useradd -u 10001 app\n", (), "small uid"),
    Case("HC4019", D + "RUN curl -fsSLO https://x\nRUN wget -q https://y\n", (3,)),
    Case(
        "HC4019",
        "FROM debian:12 AS a\nRUN curl -fsSLO https://x\nFROM debian:12\nRUN wget -q https://y\n",
        (),
        "different stages",
    ),
)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    check_case(case)
