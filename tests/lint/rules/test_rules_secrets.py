"""Secrets in Dockerfiles: HC6001 credential values, HC6002 secret files copied.

Values here are fake: random-looking literals in the shapes the engine judges.
"""

from __future__ import annotations

import pytest

from hullcheck.lint import Linter
from tests.support.rule_testing import Case, check_case

D = "FROM debian:12\n"
PW = "Zx9pQ2vLk7mN"
NPM = "npm_4f9c2a7e1b8d3f6a0c5e9b2d7f1a4c8e6b3d"
AWS_ID = "AKIA" + "QZ7RXW2TLM5PNB3K"
CODE = ("app.py", "print('hello')\n")
DOTENV = (".env", "DEBUG=1\n")
DOTENV_KEY = (".env", f"AWS_ACCESS_KEY_ID={AWS_ID}\n")
SETTINGS = ("conf/settings.py", f"DEBUG = True\nAWS_ACCESS_KEY_ID = '{AWS_ID}'\n")

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
        D + "RUN --mount=type=secret,id=pw docker login -u bot --password-stdin r.io"
        " < /run/secrets/pw\n",
        (),
        "--password-stdin is not -p",
    ),
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
    # the build context: what COPY . / a directory / a glob takes from it
    Case("HC6002", D + "COPY . /app\n", (2,), "context .env", files=(CODE, DOTENV)),
    Case("HC6002", D + "COPY ./ /app\n", (2,), "context ./", files=(CODE, DOTENV)),
    Case(
        "HC6002",
        D + "COPY conf/ /etc/app/\n",
        (2,),
        "directory source",
        files=(("conf/app.ini", "x=1\n"), ("conf/id_ed25519", "k\n")),
    ),
    Case(
        "HC6002",
        D + "COPY secret* /run/\n",
        (2,),
        "glob source",
        files=(("secrets/credentials.json", "{}\n"),),
    ),
    Case("HC6002", D + "COPY . .\n", (2,), "the .git directory", files=((".git/config", "x"),)),
    Case(
        "HC6002",
        D + "COPY . .\n",
        (),
        "excluded by .dockerignore",
        files=(CODE, DOTENV, (".dockerignore", "# local files\n.env\n.git\n")),
    ),
    Case(
        "HC6002",
        D + "COPY . .\n",
        (2,),
        "re-included by !",
        files=(("keys/id_rsa", "k"), (".dockerignore", "keys\n!keys/id_rsa\n")),
    ),
    Case(
        "HC6002",
        D + "COPY . .\n",
        (),
        "the ! re-includes another file",
        files=(
            ("keys/id_rsa", "k"),
            ("keys/README", "r"),
            (".dockerignore", "keys/*\n!keys/README\n"),
        ),
    ),
    Case(
        "HC6002",
        D + "COPY . .\n",
        (),
        "Dockerfile.dockerignore wins over .dockerignore",
        files=(DOTENV, (".dockerignore", "x\n"), ("Dockerfile.dockerignore", ".env\n")),
    ),
    Case(
        "HC6002",
        D + "COPY . .\n",
        (2,),
        "only Dockerfile.dockerignore applies",
        files=(DOTENV, (".dockerignore", ".env\n"), ("Dockerfile.dockerignore", "x\n")),
    ),
    Case("HC6002", D + "COPY app.py /app/\n", (), "single other file", files=(CODE, DOTENV)),
    Case("HC6002", D + "COPY --from=build / /x\n", (), "stage copy", files=(DOTENV,)),
    Case("HC6003", D + "COPY . /app\n", (2,), "context file", files=(CODE, SETTINGS)),
    Case("HC6003", D + "WORKDIR /app\nCOPY conf /app/conf\n", (3,), "dir", files=(SETTINGS,)),
    Case("HC6003", D + "ADD conf/settings.py /app/\n", (2,), "one file", files=(SETTINGS,)),
    Case(
        "HC6003",
        D + "COPY . /app\n",
        (),
        "excluded by .dockerignore",
        files=(CODE, SETTINGS, (".dockerignore", "/conf/*.py\n")),
    ),
    Case("HC6003", D + "COPY app.py /app/\n", (), "single other file", files=(CODE, SETTINGS)),
    Case("HC6003", D + "COPY --from=build /app /app\n", (), "stage copy", files=(SETTINGS,)),
    Case(
        "HC6003",
        D + "COPY <<EOF /app/conf/settings.py\nx = 1\nEOF\n",
        (),
        "heredoc",
        files=(SETTINGS,),
    ),
    Case("HC6003", D + "COPY . /app\n", (), "a name finding is HC6002's", files=(DOTENV_KEY,)),
    Case("HC6006", D + "RUN echo 'root:toor' | chpasswd\n", (2,)),
    Case("HC6006", D + "RUN echo -e 'pw\\npw' | passwd app\n", (2,), "piped passwd"),
    Case("HC6006", D + "RUN useradd -p secret app\n", (2,), "useradd -p"),
    Case("HC6006", D + "RUN passwd -l root && useradd -p '*' app\n", (), "locking"),
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
