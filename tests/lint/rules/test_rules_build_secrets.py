"""HC6004 secret-named ARG/ENV and HC6005 credential set-up in RUN: where each fires and
the near misses that must stay silent (secret mounts, settings, paths, the script's own
variables).  Values are fake."""

from __future__ import annotations

import pytest

from tests.support.rule_testing import Case, check_case

D = "FROM debian:12\n"
N = "FROM node:20.11\n"
PW = "Qz7vLk2pWx9m"

CASES = (
    # HC6004: the channel, whatever the value
    Case("HC6004", D + "ARG GITHUB_TOKEN\n", (2,), "ARG without a value"),
    Case("HC6004", D + "ARG AWS_SECRET_ACCESS_KEY\nARG AWS_ACCESS_KEY_ID\n", (2, 3), "AWS pair"),
    Case("HC6004", D + "ENV DB_PASSWORD=${DB_PASSWORD}\n", (2,), "ENV from a build arg"),
    Case("HC6004", D + f"ENV DB_PASSWORD={PW}\n", (2,), "literal: HC6001 too"),
    Case("HC6004", D + "ENV NAGIOSADMIN_PASS nagios\n", (2,), "legacy ENV form"),
    Case("HC6004", D + "ENV A=1 \\\n    API_TOKEN=$T\n", (2,), "second pair, continued"),
    Case("HC6004", "ARG NPM_TOKEN\nFROM node:20.11\n", (1,), "global ARG"),
    Case("HC6004", D + "ARG dbPassword\n", (2,), "camelCase"),
    Case("HC6004", D + "ARG PASSWORD=\n", (2,), "ARG with an empty default still takes one"),
    Case("HC6004", D + "ARG USERNAME=vscode\n", (), "a user name is not a secret"),
    Case("HC6004", D + "ENV DB_PASSWORD_FILE=/run/secrets/db\n", (), "a _FILE pointer"),
    Case("HC6004", D + "ENV TRUST_STORE_PASSWORD=/opt/secrets/tls.pass\n", (), "a path"),
    Case("HC6004", D + "ENV MYSQL_ALLOW_EMPTY_PASSWORD=yes\n", (), "an on/off setting"),
    Case("HC6004", D + "ARG PASSWORD_LENGTH=16\n", (), "a setting about passwords"),
    Case("HC6004", D + "ARG SSH_PUBLIC_KEY\n", (), "public"),
    Case("HC6004", D + "ENV GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D\n", (), "GPG key id"),
    Case("HC6004", D + "ENV PGPASSWORD=\n", (), "ENV cleared"),
    Case("HC6004", D + "ARG TOKEN_URL=https://auth.acme.io\n", (), "a URL setting"),
    Case("HC6004", D + "LABEL api.token.docs=https://x\n", (), "LABEL is not a channel"),
    # HC6005: credential set-up commands
    Case(
        "HC6005",
        N + 'ARG NPM_TOKEN\nRUN echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > .npmrc \\\n'
        "    && npm ci && rm .npmrc\n",
        (3,),
        ".npmrc from a build arg, even if removed",
    ),
    Case(
        "HC6005",
        N + "ARG NPM_TOKEN\nRUN npm config set //registry.npmjs.org/:_authToken $NPM_TOKEN\n",
        (3,),
        "npm config set",
    ),
    Case(
        "HC6005",
        N + 'ARG T\nRUN yarn config set npmAuthToken "$T"\n',
        (3,),
        "yarn npmAuthToken",
    ),
    Case(
        "HC6005",
        D + "ARG REG_PASS\nRUN docker login -u bot -p $REG_PASS r.acme.io\n",
        (3,),
        "docker login -p variable",
    ),
    Case(
        "HC6005",
        D + 'ARG REG_PASS\nRUN echo "$REG_PASS" | podman login -u bot --password-stdin r.io\n',
        (3,),
        "login --password-stdin from echo",
    ),
    Case(
        "HC6005",
        D + "ARG NEXUS_PASS\nRUN curl -fsSL -u admin:$NEXUS_PASS https://nexus/a -o a\n",
        (3,),
        "curl -u user:$VAR",
    ),
    Case(
        "HC6005",
        D + "ARG GL_TOKEN\nRUN git clone https://oauth2:${GL_TOKEN}@gitlab.com/acme/lib.git\n",
        (3,),
        "token in a clone URL",
    ),
    Case(
        "HC6005",
        D + 'ARG GH\nRUN git config --global url."https://${GH}@github.com/".insteadOf'
        ' "https://github.com/"\n',
        (3,),
        "git insteadOf with a token",
    ),
    Case(
        "HC6005",
        D + "ARG TOK\nRUN pip install --index-url https://__token__:$TOK@pypi.acme.io/simple x\n",
        (3,),
        "pip index URL",
    ),
    Case(
        "HC6005",
        D + 'ARG K\nRUN aws configure set aws_secret_access_key "$K"\n',
        (3,),
        "aws configure set",
    ),
    Case("HC6005", D + "ARG T\nRUN sonar-scanner --token=$T\n", (3,), "a --token flag"),
    Case(
        "HC6005",
        D + "ENV T=x\nFROM debian:12 AS b\nARG T\nRUN vault login --token $T\n",
        (5,),
        "declared in the stage",
    ),
    Case(
        "HC6005",
        D + "RUN git config --global credential.helper store\n",
        (2,),
        "plain-text credential store",
    ),
    Case(
        "HC6005",
        D + "COPY sa.json /tmp/sa.json\n"
        "RUN gcloud auth activate-service-account --key-file=/tmp/sa.json\n",
        (3,),
        "key file copied in",
    ),
    Case(
        "HC6005",
        N + "RUN --mount=type=secret,id=npm,env=NPM_TOKEN \\\n"
        '    echo "//r.io/:_authToken=${NPM_TOKEN}" > /root/.npmrc && npm ci\n',
        (3,),
        "mounted secret written to a file left in the layer",
    ),
    Case(
        "HC6005",
        N + "RUN --mount=type=secret,id=npm,env=NPM_TOKEN \\\n"
        '    echo "//r.io/:_authToken=${NPM_TOKEN}" > /root/.npmrc && npm ci && rm /root/.npmrc\n',
        (),
        "mounted secret, file removed in the same RUN",
    ),
    Case(
        "HC6005",
        N + "RUN --mount=type=secret,id=npm,target=/root/.npmrc npm ci\n",
        (),
        "the .npmrc itself mounted",
    ),
    Case(
        "HC6005",
        D + "RUN --mount=type=secret,id=pw docker login -u bot --password-stdin r.io"
        " < /run/secrets/pw\n",
        (),
        "login from a secret file",
    ),
    Case(
        "HC6005",
        D + "ARG PW\nRUN --mount=type=secret,id=pw PW=$(cat /run/secrets/pw) \\\n"
        "    && curl -u admin:$PW https://nexus/a\n",
        (),
        "variable re-read from the secret mount",
    ),
    Case(
        "HC6005",
        D + "RUN --mount=type=secret,id=gcp,target=/sa.json \\\n"
        "    gcloud auth activate-service-account --key-file=/sa.json\n",
        (),
        "key file mounted",
    ),
    Case(
        "HC6005",
        D + 'RUN curl -u "$USER:$PASS" https://x\n',
        (),
        "variables no ARG or ENV declares",
    ),
    Case("HC6005", D + "RUN git config --global credential.helper cache\n", (), "cache helper"),
    Case(
        "HC6005",
        D + "ARG VERSION=1\nRUN curl -fsSL https://x.io/v${VERSION}/a.tgz -o a.tgz\n",
        (),
        "a variable in a URL path",
    ),
    Case(
        "HC6005",
        D + f"RUN docker login -u bot -p {PW} r.io\n",
        (),
        "a literal is HC6001's",
    ),
    Case(
        "HC6005",
        D + 'ARG T\nRUN echo "token is $T" > /tmp/notes.txt\n',
        (),
        "not a credential file",
    ),
)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    check_case(case)
