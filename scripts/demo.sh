#!/usr/bin/env bash
# scripts/demo.sh -- set up, then run hullcheck's two main jobs on the bundled examples, offline:
# lint examples/Dockerfile, and scan a small image built from examples/image/ (see its README).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
set +e
.venv/bin/hullcheck lint examples/Dockerfile "$@"
rc=$?
echo "(hullcheck lint exited $rc: 0 = clean, 1 = findings at or above --fail-on, 2 = error)" >&2
image=.cache/example-image
rm -rf "$image"
.venv/bin/python scripts/make-example-image.py "$image" || exit 2
.venv/bin/hullcheck scan "oci:$image:demo" "$@"
rc=$?
echo "(hullcheck scan exited $rc: 0 = clean, 1 = findings at or above --fail-on, 2 = error)" >&2
exit 0
