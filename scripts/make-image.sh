#!/usr/bin/env bash
# make-image.sh [OUTDIR] -- build hullcheck's own container image from the repository's
# Dockerfile with buildah (vfs storage, chroot isolation: no daemon, no registry).
#
# 1. a Debian bookworm rootfs (minbase + python3, python3-venv, ca-certificates) made with
#    mmdebstrap from the mirror apt uses, reproducible (SOURCE_DATE_EPOCH);
# 2. hullcheck's wheel, built from this checkout, and the wheels of its dependencies;
# 3. `buildah bud` of ./Dockerfile (FROM scratch + that rootfs; pip installs those wheels
#    with --no-index: the build itself needs no network);
# 4. the image written as OUTDIR/hullcheck.tar (docker-archive) for `hullcheck scan`.
#
# OUTDIR defaults to .cache/hullcheck-image. Reuses OUTDIR/debian-rootfs.tar when present
# (delete it to refresh the base). Takes ~2-4 minutes on a 2-core machine; run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-.cache/hullcheck-image}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1735689600}
log() { printf '[make-image %s] %s\n' "$(date +%T)" "$*" >&2; }
[ "$(id -u)" = 0 ] || { echo "make-image.sh: must run as root (mmdebstrap, buildah chroot)" >&2; exit 1; }
for tool in buildah mmdebstrap; do
    command -v "$tool" >/dev/null || { echo "make-image.sh: $tool is missing (scripts/setup.sh installs it)" >&2; exit 1; }
done
if [ -z "${MIRROR:-}" ]; then
    MIRROR=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/{print $2; exit}')
    [ -n "$MIRROR" ] || MIRROR=$(grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
                                 | awk '{for(i=2;i<=NF;i++) if ($i ~ /^(https?|file):/) {print $i; exit}}' | head -1)
    [ -n "$MIRROR" ] || { echo "make-image.sh: no Debian mirror in apt's sources; set MIRROR" >&2; exit 1; }
fi
CTX="$OUT/context"
rm -rf "$CTX"
mkdir -p "$CTX/dist"
if [ ! -s "$OUT/debian-rootfs.tar" ]; then
    log "mmdebstrap bookworm minbase + python3 from $MIRROR"
    mmdebstrap --quiet --variant=minbase --include=python3,python3-venv,ca-certificates \
        --customize-hook='rm -f "$1/etc/resolv.conf" "$1/etc/hostname"' \
        --customize-hook='rm -rf "$1/var/cache/apt" "$1/var/lib/apt/lists"/* "$1/var/log"/*' \
        bookworm - "$MIRROR" | mmtarfilter --path-exclude='/dev/*' > "$OUT/debian-rootfs.tar.tmp"
    mv "$OUT/debian-rootfs.tar.tmp" "$OUT/debian-rootfs.tar"
fi
ln "$OUT/debian-rootfs.tar" "$CTX/debian-rootfs.tar" 2>/dev/null || cp "$OUT/debian-rootfs.tar" "$CTX/"
log "wheels: hullcheck and its dependencies (pinned by requirements.lock)"
PY=${PYTHON:-.venv/bin/python}
"$PY" -m pip wheel --quiet --no-deps -w "$CTX/dist" . >/dev/null
# the image's build stage installs from these only (--no-index): no network in the build
"$PY" -m pip wheel --quiet --disable-pip-version-check -c requirements.lock \
    -w "$CTX/dist" "$(ls "$CTX"/dist/hullcheck-*.whl)[server]" >/dev/null
cp Dockerfile "$CTX/Dockerfile"
STORE=(--storage-driver vfs --root "$OUT/storage" --runroot "$OUT/run")
log "buildah bud"
buildah "${STORE[@]}" bud --isolation chroot --quiet --layers=false \
    --timestamp "$SOURCE_DATE_EPOCH" -t localhost/hullcheck:dev -f "$CTX/Dockerfile" "$CTX" >/dev/null
rm -f "$OUT/hullcheck.tar"
buildah "${STORE[@]}" push --quiet localhost/hullcheck:dev "docker-archive:$OUT/hullcheck.tar:localhost/hullcheck:dev"
sha256sum "$OUT/debian-rootfs.tar" | cut -d' ' -f1 > "$OUT/BASE_SHA256"
git rev-parse HEAD > "$OUT/SOURCE_COMMIT" 2>/dev/null || true
log "done: $OUT/hullcheck.tar"
