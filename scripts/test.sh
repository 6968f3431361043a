#!/usr/bin/env bash
# scripts/test.sh -- set up, build the real test images once, then run lint, type checks
# and the whole test suite.  Tests that need a registry start their own on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

export HULLCHECK_SHARED=${HULLCHECK_SHARED:-$(cd .. && pwd)/shared}
export HULLCHECK_TEST_IMAGES=${HULLCHECK_TEST_IMAGES:-$PWD/.cache/test-images}
# the builder lives in the project (scripts/make-test-images.sh), so no ../shared is needed
if [ ! -f "$HULLCHECK_TEST_IMAGES/MANIFEST.txt" ] && [ "$(id -u)" = 0 ]; then
    echo "test: building the real test images (about 80 s, once)" >&2
    mkdir -p "$HULLCHECK_TEST_IMAGES"
    bash scripts/make-test-images.sh "$HULLCHECK_TEST_IMAGES" \
        > "$HULLCHECK_TEST_IMAGES.log" 2>&1 || { tail -30 "$HULLCHECK_TEST_IMAGES.log" >&2; exit 1; }
fi

# A Debian rootfs with Debian's own python3 and nodejs: the secrets engine must stay silent on it.
ROOTFS=$(dirname "$HULLCHECK_TEST_IMAGES")/secrets-images/debian-python-nodejs.tar
if [ ! -f "$ROOTFS" ] && [ "$(id -u)" = 0 ] && command -v mmdebstrap >/dev/null; then
    echo "test: building a Debian python3+nodejs rootfs (about 40 s, once)" >&2
    mkdir -p "$(dirname "$ROOTFS")"
    mmdebstrap --quiet --variant=minbase --include=python3,nodejs bookworm "${ROOTFS%.tar}.partial.tar" \
        > "$ROOTFS.log" 2>&1 && mv "${ROOTFS%.tar}.partial.tar" "$ROOTFS" \
        || { tail -20 "$ROOTFS.log" >&2; rm -f "${ROOTFS%.tar}.partial.tar"; exit 1; }
fi

# Debian bullseye minbase and bookworm standard for the diff and advise tests, built once.
export HULLCHECK_DIFF_IMAGES=${HULLCHECK_DIFF_IMAGES:-$PWD/.cache/diff-images}
# (rebuilt when an older build lacks an image the tests now use)
if ! grep -qs debian-standard "$HULLCHECK_DIFF_IMAGES/MANIFEST.txt" && [ "$(id -u)" = 0 ] && command -v mmdebstrap >/dev/null; then
    echo "test: building the diff test images (about 60 s, once)" >&2
    mkdir -p "$(dirname "$HULLCHECK_DIFF_IMAGES")"
    bash scripts/make-diff-images.sh "$HULLCHECK_DIFF_IMAGES" > "$HULLCHECK_DIFF_IMAGES.log" 2>&1 \
        || { tail -20 "$HULLCHECK_DIFF_IMAGES.log" >&2; exit 1; }
fi

# hullcheck's own image (./Dockerfile, buildah, no registry), built once (3-4 min) and reused
# by tests/packaging/test_image.py; delete .cache/hullcheck-image/hullcheck.tar to rebuild.
if [ ! -f .cache/hullcheck-image/hullcheck.tar ] && [ "$(id -u)" = 0 ] \
        && command -v buildah >/dev/null && command -v mmdebstrap >/dev/null; then
    echo "test: building hullcheck's own image (about 3-4 min, once)" >&2
    mkdir -p .cache
    bash scripts/make-image.sh > .cache/hullcheck-image.log 2>&1 \
        || { tail -30 .cache/hullcheck-image.log >&2; exit 1; }
fi

# The wheels `pre-commit try-repo` installs the hook from (its build backend and hullcheck's
# core dependencies at the locked versions), so that the hook test runs with no index.
WHEELHOUSE=.cache/wheelhouse
if [ ! -f "$WHEELHOUSE/COMPLETE" ] || [ requirements.lock -nt "$WHEELHOUSE/COMPLETE" ]; then
    echo "test: downloading the hook's wheels into $WHEELHOUSE (once)" >&2
    rm -rf "$WHEELHOUSE" && mkdir -p "$WHEELHOUSE"
    .venv/bin/python -m pip download --quiet --disable-pip-version-check -c requirements.lock \
        -d "$WHEELHOUSE" 'setuptools>=77' wheel . >/dev/null \
        && rm -f "$WHEELHOUSE"/hullcheck-* && touch "$WHEELHOUSE/COMPLETE"
fi

# the peer tools (hadolint, syft) and the dev tools are installed into .venv/bin
export PATH="$PWD/.venv/bin:$PATH"

echo "test: ruff" >&2
.venv/bin/ruff format --check .
.venv/bin/ruff check .
echo "test: import layers (lint-imports)" >&2
PYTHONPATH=src .venv/bin/lint-imports --no-cache
echo "test: mypy --strict" >&2
.venv/bin/mypy src
echo "test: pytest" >&2
exec .venv/bin/python -m pytest -q "$@"
