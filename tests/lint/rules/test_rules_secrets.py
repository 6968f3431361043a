"""Secrets in Dockerfiles: HC6001 credential values, HC6002 secret files copied.

Values here are fake: random-looking literals in the shapes the engine judges.
"""

from __future__ import annotations

import pytest

from hullcheck.lint import Linter
from hullcheck.rules.testing import Case, check_case

D = "FROM debian:12\n"
PW = "Zx9pQ2vLk7mN"
NPM = "npm_4f9c2a7e1b8d3f6a0c5e9b2d7f1a4c8e6b3d"

CASES = (
    Case("HC6001", D + "ENV DB_PASSWORD=hunter2x9\n", (2,), "ENV value"),
    Case("HC6001", D + f"ARG NPM_TOKEN={NPM}\n", (2,), "ARG default"),
    Case("HC6001", D + f"LABEL db.password={PW}\n", (2,), "LABEL"),
    Case("HC6001", D + f"RUN git clone https://deploy:{PW}@github.com/acme/app.git\n", (2,)),
    Case("HC6001", D + f"ENV DATABASE_URL=postgres://app:{PW}@db:5432/app\n", (2,), "conn str"),
    Case(
        "HC6001",
        "FROM node:20\nRUN echo '//registry.npmjs.org/:_authToken=" + NPM + "' > ~/.npmrc\n",
        (2,),
        ".npmrc write",
    ),
    Case(
        "HC6001",
        D + f"RUN echo 'machine github.com login bot password {PW}' > ~/.netrc\n",
        (2,),
        ".netrc write",
    ),
    Case("HC6001", D + f"RUN docker login -u bot -p {PW} registry.acme.io\n", (2,), "login -p"),
    Case(
        "HC6001",
        D + f"RUN set -e; \\\n  mysql -uroot -p{PW} -e 'select 1'\n",
        (3,),
        "mysql -p on line 3",
    ),
    Case(
        "HC6001",
        D + f'RUN <<EOF\nset -e\nexport API_TOKEN={PW}q8\ncurl -H "X: $API_TOKEN" https://x\nEOF\n',
        (4,),
        "heredoc body",
    ),
    Case("HC6001", D + "ARG TOKEN\nENV PASSWORD_FILE=/run/secrets/db\n", (), "names only"),
    Case("HC6001", D + "ARG GH\nENV GITHUB_TOKEN=${GH}\n", (), "reference"),
    Case(
        "HC6001",
        D + "RUN --mount=type=secret,id=npm,env=NPM_TOKEN npm ci\n",
        (),
        "secret mount",
    ),
    Case(
        "HC6001",
        D + 'RUN docker login -u bot -p "$(cat /run/secrets/pw)" r.io && echo password x\n',
        (),
        "password from a secret mount",
    ),
    Case(
        "HC6001",
        D + "RUN find /etc/mysql/ -name '*.cnf' -print0 | xargs -0 grep -l x\n",
        (),
        "a path named mysql and -print0 are no password",
    ),
    Case("HC6002", D + "COPY id_rsa /root/.ssh/id_rsa\n", (2,)),
    Case("HC6002", D + "COPY .env /app/.env\n", (2,), ".env"),
    Case("HC6002", D + "COPY .env.example /app/\n", (), "example file"),
)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    check_case(case)


def test_secret_value_is_never_printed_in_full() -> None:
    result = Linter().lint_text(D + f"RUN docker login -u bot -p {PW} r.io\n", "Dockerfile")
    found = [f for f in result.findings if f.rule == "HC6001"]
    assert found, "the login password must be found"
    for finding in found:
        assert PW not in finding.message and PW not in str(finding.extra)
        assert finding.extra["secret_rule"] and finding.extra["fingerprint"]
