"""Installs that ignore the lockfile: HC3027 (npm/yarn/pnpm/composer) and HC3028 (cargo)."""

from __future__ import annotations

import pytest

from tests.support.rule_testing import Case, check_case

N = "FROM node:22.11-slim\nWORKDIR /app\nCOPY package*.json ./\n"
R = "FROM rust:1.83\n"

CASES = (
    Case("HC3027", N + "RUN npm install\n", (4,)),
    Case("HC3027", N + "RUN npm i --omit=dev && npm cache clean --force\n", (4,), "npm i, options"),
    Case("HC3027", N + "RUN yarn install --production\n", (4,), "yarn install"),
    Case("HC3027", N + "RUN yarn\n", (4,), "bare yarn installs"),
    Case("HC3027", N + "RUN corepack enable && pnpm install --prod\n", (4,), "pnpm"),
    Case("HC3027", "FROM composer:2.8\nRUN composer update --no-dev\n", (2,), "composer update"),
    Case("HC3027", N + "RUN npm ci --omit=dev\n", (), "npm ci"),
    Case("HC3027", N + "RUN yarn install --frozen-lockfile\n", (), "frozen yarn 1"),
    Case("HC3027", N + "RUN yarn install --immutable\n", (), "frozen yarn 2+"),
    Case("HC3027", N + "RUN pnpm install --frozen-lockfile\n", (), "frozen pnpm"),
    Case("HC3027", N + "RUN npm install -g pnpm@9.12.1\n", (), "named package is HC3023's"),
    Case("HC3027", N + "RUN yarn build\n", (), "not an install"),
    Case("HC3027", N + "RUN yarn --version\n", (), "yarn --version installs nothing"),
    Case("HC3027", N + "RUN yarn --registry https://r.example\n", (4,), "option value"),
    Case("HC3027", "FROM composer:2.8\nRUN composer install --no-dev\n", (), "composer install"),
    Case("HC3027", "FROM composer:2.8\nRUN composer update acme/x\n", (), "one named package"),
    Case("HC3028", R + "RUN cargo install ripgrep\n", (2,)),
    Case("HC3028", R + "RUN cargo install --root /usr/local --path .\n", (2,), "--path"),
    Case("HC3028", R + "RUN cargo install --locked ripgrep@14.1.1\n", (), "locked"),
    Case("HC3028", R + "RUN cargo build --release\n", (), "cargo build reads the lock"),
)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    check_case(case)
