"""pip (HC3021 pins, HC4016 cache), npm HC3023, gem HC3024, go HC3025, yarn HC4017."""

from __future__ import annotations

import pytest

from tests.support.rule_testing import Case, check_case

P = "FROM python:3.12-slim\n"
N = "FROM node:20-slim\n"
R = "FROM ruby:3.3-slim\n"
G = "FROM golang:1.22\n"

CASES = (
    Case(
        "HC3021",
        "FROM python:3.12 AS a\nARG FLASK=3.0.3\nFROM python:3.12\nRUN pip install flask==$FLASK\n",
        (4,),
        "a version set in another stage",
    ),
    Case("HC3021", P + "RUN pip install --no-cache-dir flask requests==2.32.3\n", (2,)),
    Case("HC3021", P + "RUN python3 -m pip install --no-cache-dir flask\n", (2,), "python -m pip"),
    Case("HC3021", P + "RUN pip install --no-cache-dir -r requirements.txt\n", (), "requirements"),
    Case("HC3021", P + "RUN pip install --no-cache-dir 'flask>=3,<4' ./pkg\n", (), "range, path"),
    Case("HC3021", P + "RUN pip install --no-cache-dir -e .\n", (), "editable local"),
    Case("HC3021", P + "RUN pipx install black\n", (2,), "pipx installs from PyPI too"),
    Case("HC3021", P + "RUN pipx install black==24.4.2\n", (), "pipx pinned"),
    Case(
        "HC3021",
        P + "RUN pip install --root-user-action ignore --no-cache-dir flask==3.0.3\n",
        (),
        "a flag's value is not a package",
    ),
    Case("HC4016", P + "ENV PIP_NO_CACHE_DIR=off\nRUN pip install flask==3.0.3\n", (), "any value"),
    Case(
        "HC4016",
        P + "RUN export PIP_NO_CACHE_DIR=1 && pip install flask==3.0.3\n",
        (),
        "exported in the RUN",
    ),
    Case("HC4016", P + "RUN python -m pip install flask==3.0.3\n", (2,), "python -m pip"),
    Case("HC3023", N + "RUN pnpm add -g express\n", (2,), "pnpm add"),
    Case("HC3023", N + "RUN yarn global add express\n", (2,), "yarn global add"),
    Case("HC3023", N + "RUN yarn global add express@4.19.2\n", (), "yarn pinned"),
    Case("HC3023", N + "RUN pnpm install --frozen-lockfile\n", (), "pnpm lockfile"),
    Case(
        "HC3023",
        N + "RUN npm install --loglevel verbose -g express@4.19.2\n",
        (),
        "--loglevel takes a value",
    ),
    Case("HC3024", R + "RUN gem i bundler\n", (2,), "gem i"),
    Case(
        "HC3024",
        R + "RUN gem install bundler:2.5.10 -- --with-cflags=-O2\n",
        (),
        "after -- are build flags",
    ),
    Case("HC3025", G + "RUN go run example.com/tool\n", (2,), "go run a remote module"),
    Case("HC3025", G + "RUN go get -tool example.com/tool\n", (2,), "go get -tool"),
    Case("HC3025", G + "RUN go run main.go\n", (), "go run a local file"),
    Case("HC3021", P + "RUN pip install --no-cache-dir git+https://h/x/y.git\n", (2,), "vcs"),
    Case("HC3021", P + "RUN pip install --no-cache-dir git+ssh://git@h/x/y.git@v1\n", (), "vcs@"),
    Case("HC4016", P + "RUN pip install flask==3.0.3\n", (2,)),
    Case("HC4016", P + "RUN pip3 install -r req.txt\n", (2,), "pip3 -r"),
    Case("HC4016", P + "RUN pip install --no-cache-dir flask==3.0.3\n", (), "flag"),
    Case("HC4016", P + "ENV PIP_NO_CACHE_DIR=1\nRUN pip install flask==3.0.3\n", (), "env"),
    Case(
        "HC4016",
        P + "RUN --mount=type=cache,target=/root/.cache/pip pip install flask==3.0.3\n",
        (),
        "cache mount",
    ),
    Case(
        "HC4016",
        P + "RUN pip install flask==3 && rm -rf /root/.cache\n",
        (),
        "removed",
    ),
    Case(
        "HC4016",
        "FROM python:3.12 AS b\nRUN pip install flask==3\nFROM scratch\nCOPY --from=b /a /a\n",
        (),
        "builder stage",
    ),
    Case("HC3023", N + "RUN npm install -g typescript\n", (2,)),
    Case("HC3023", N + "RUN npm i -g pnpm@latest\n", (2,), "latest is a tag, not a pin"),
    Case("HC3023", N + "RUN npm install -g @angular/cli@17.3.1 pnpm@9.1.0\n", (), "pinned"),
    Case("HC3023", N + "RUN npm install && npm ci\n", (), "from package.json"),
    Case("HC3024", "FROM ruby:3.3\nRUN gem install bundler\n", (2,)),
    Case(
        "HC3024", "FROM ruby:3.3\nRUN gem install bundler -v 2.5.6 && gem install rails:7.1\n", ()
    ),
    Case("HC3025", "FROM golang:1.22\nRUN go install golang.org/x/tools/gopls@latest\n", (2,)),
    Case("HC3025", "FROM golang:1.22\nRUN go install github.com/a/b/cmd/x@v1.2.3\n", (), "pinned"),
    Case("HC3025", "FROM golang:1.22\nRUN go install ./cmd/...\n", (), "local packages"),
    Case("HC3025", "FROM golang:1.22\nRUN go get github.com/a/b/...\n", (2,), "go get"),
    Case(
        "HC3025",
        "FROM golang:1.22\nRUN go install -tags extended github.com/a/b@v0.111.3\n",
        (),
        "flag value is not a module",
    ),
    Case("HC4017", N + "RUN yarn install --frozen-lockfile\n", (2,)),
    Case("HC4017", N + "RUN yarn install --frozen-lockfile && yarn cache clean\n", (), "cleaned"),
    Case("HC4017", N + "RUN yarn build\n", (), "not an install"),
    Case("HC4017", N + "RUN yarn\n", (2,), "bare yarn installs"),
    Case("HC4017", N + "RUN yarn --cwd app\n", (2,), "bare yarn in a folder installs"),
    Case("HC4017", N + "RUN yarn --version && yarn -h\n", (), "only prints"),
    # the option lists of npm, yarn and pnpm are one (rules/common), shared with HC3027
    Case("HC4017", N + "RUN yarn --registry https://r.example\n", (2,), "option value"),
    Case("HC4017", N + "RUN yarn --network-timeout 600000 install\n", (2,), "value, install"),
)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    check_case(case)
