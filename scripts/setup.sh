#!/usr/bin/env bash
# scripts/setup.sh -- everything hullcheck's demo and tests need on a fresh Debian machine
# with Python 3.11: Debian's tools (as root), then a virtualenv in .venv with hullcheck
# installed editable, its dev tools and the peer tools.  Idempotent and quiet when done.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PKGS=(python3-venv buildah skopeo umoci docker-registry mmdebstrap jq curl arch-test
          apache2-utils rpm zstd golang-go db5.3-util postgresql redis-server
          chromium chromium-driver)
# No npm here: the machine's Node.js conflicts with Debian's npm; make-test-images.sh installs
# it only when the machine has none.
missing=()
for p in "${APT_PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        echo "setup: apt-get install ${missing[*]}" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >/dev/null
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "setup: not root; skipping apt-get install ${missing[*]} (some tests will skip)" >&2
    fi
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
stamp=.venv/.hullcheck-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ requirements.lock -nt "$stamp" ]; then
    .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null
    # exact versions from the lock file (scripts/lock.sh), then hullcheck itself, editable
    # (with its extras: anything the lock does not hold yet is resolved against the pins)
    .venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.lock
    .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev,peers,server,fleet,sigstore]' 
    touch "$stamp"
fi
