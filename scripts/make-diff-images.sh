#!/usr/bin/env bash
# scripts/make-diff-images.sh OUTDIR -- Debian images for the diff and advise tests, built
# like scripts/make-test-images.sh builds debian-minbase (mmdebstrap + umoci), once:
#   debian-bullseye-minbase   mmdebstrap --variant=minbase bullseye
#   debian-standard           mmdebstrap --variant=standard bookworm (advise: minbase vs standard)
# Kept in OUTDIR/oci (an OCI layout); scripts/test.sh calls this when it is missing.
set -euo pipefail
OUT=${1:?usage: make-diff-images.sh OUTDIR}
[ "$(id -u)" = 0 ] || { echo "make-diff-images.sh: must run as root" >&2; exit 1; }
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1735689600}
CREATED=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
if [ -z "${MIRROR:-}" ]; then
    MIRROR=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/{print $2; exit}')
    [ -n "$MIRROR" ] || MIRROR=http://deb.debian.org/debian
fi
WORK=$(mktemp -d "$OUT/.work.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
IMG=$WORK/oci
umoci init --layout "$IMG"
image() {  # TAG SUITE VARIANT
    mmdebstrap --quiet --variant="$3" --architectures=amd64 \
        --customize-hook='rm -f "$1/etc/resolv.conf" "$1/etc/hostname"' \
        "$2" - "$MIRROR" | mmtarfilter --path-exclude='/dev/*' > "$WORK/rootfs.tar"
    umoci new --image "$IMG:$1"
    umoci raw add-layer --image "$IMG:$1" --history.created "$CREATED" \
        --history.created_by "mmdebstrap --variant=$3 $2" "$WORK/rootfs.tar"
    umoci config --image "$IMG:$1" --no-history --created "$CREATED" --os linux \
        --architecture amd64 --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        --config.cmd bash
    rm -f "$WORK/rootfs.tar"
}
image debian-bullseye-minbase bullseye minbase
image debian-standard bookworm standard
rm -rf "$OUT/oci"
mv "$IMG" "$OUT/oci"
echo "built $(date -u +%FT%TZ): debian-bullseye-minbase debian-standard (mirror $MIRROR)" > "$OUT/MANIFEST.txt"
