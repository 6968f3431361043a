#!/usr/bin/env bash
# scripts/lock.sh -- pin every dependency of every extra the tests use to an exact version in
# requirements.lock (run it after changing a range in pyproject.toml, and commit both).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/uv ] || .venv/bin/python -m pip install -q --disable-pip-version-check 'uv>=0.4,<1'
.venv/bin/uv pip compile pyproject.toml --quiet --python-version 3.11 --universal \
    --extra dev --extra peers --extra server --extra fleet --extra sigstore \
    --no-header --output-file requirements.lock
echo "requirements.lock: $(grep -c '==' requirements.lock) pinned packages" >&2
