#!/usr/bin/env bash
# Copied into the project from shared/tools/make-test-images.sh (sha256 8482e9639ab64adc...) so that
# a clone builds its own test images without ../shared; adapt it here from now on.
# make-test-images.sh OUTDIR -- build real container images for hullcheck's tests.
#
# Takes 65-85 s on a 2-core machine (~20 s less with MULTIARCH=0); a first run
# on a bare machine adds ~5-25 s of apt-get install for the tools.  Needs ~0.5 GB
# of scratch space under OUTDIR/.work (deleted at the end) and leaves ~960 MB:
# OCI layout ~265 MB, docker-archives ~710 MB (their layers are uncompressed).
# Must run as root (mmdebstrap "root" mode, chroot, mount).  Reaches only
# Debian's mirror (the one apt is already configured with), PyPI and the npm
# registry, through their ordinary clients.  No Docker daemon is needed.
#
# Images produced (one OCI layout holding all tags, plus one docker-archive
# tarball per tag, i.e. what `docker save` writes):
#
#   debian-minbase  1 layer : Debian bookworm --variant=minbase (dpkg only, ~96 pkgs)
#   python-npm      2 layers: + python3/python3-venv (apt), a venv /opt/app/venv with
#                             old vulnerable PyPI packages, node_modules with old npm
#                             packages, user "app", and a fake SSH key /root/.ssh/id_rsa
#   secret-deleted  3 layers: + a layer that deletes /root/.ssh/id_rsa (a whiteout
#                             entry root/.ssh/.wh.id_rsa) -- the key is still in layer 2
#   python-npm-zstd          python-npm with zstd-compressed layers (skopeo
#                            --dest-compress-format zstd); skip with ZSTD=0
#   debian-minbase-i386      the same minbase for i386 (runs natively, no qemu)
#   debian-multiarch         an OCI image *index* (linux/amd64 + linux/386) nested in
#                            index.json; skip both with MULTIARCH=0 (saves ~25 s)
#
# Output:
#   OUTDIR/oci/                          OCI image layout (index.json, blobs/sha256/...)
#                                        holding all tags (syft/stereoscope refuse this:
#                                        "unexpected number of OCI directory manifests")
#   OUTDIR/oci-per-tag/<tag>/            one single-image OCI layout per tag (blobs are
#                                        hard links into OUTDIR/oci, so no extra space)
#   OUTDIR/docker-archive/<tag>.tar      docker-archive (manifest.json, repositories, ...)
#                                        for the three amd64 tags; layers uncompressed
#   OUTDIR/MANIFEST.txt                  tags, digests, sizes and what went in
#
# Idempotent: re-running rebuilds into a fresh OUTDIR/oci and OUTDIR/docker-archive.
# Set SOURCE_DATE_EPOCH to change the timestamps baked in (default 2025-01-01).
# Set MIRROR to override the Debian mirror (default: the first URIs:/deb line
# of apt's own sources).
set -euo pipefail
trap 'echo "make-test-images.sh: failed (line $LINENO); scratch left in ${WORK:-OUTDIR/.work}" >&2' ERR

OUT=${1:?usage: make-test-images.sh OUTDIR}
[ "$(id -u)" = 0 ] || { echo "make-test-images.sh: must run as root" >&2; exit 1; }
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$OUT/.work
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1735689600}   # 2025-01-01T00:00:00Z
CREATED=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
SUITE=bookworm
log() { printf '[make-test-images %s] %s\n' "$(date +%T)" "$*" >&2; }

# Pinned language packages (all have published CVEs; versions are mutually
# consistent: requests 2.19.1 requires urllib3<1.24, Jinja2 2.10 needs MarkupSafe<2.1).
PY_PKGS="requests==2.19.1 urllib3==1.23 chardet==3.0.4 idna==2.7 certifi==2018.4.16 Jinja2==2.10 MarkupSafe==1.1.1 PyYAML==5.3"
NPM_PKGS="lodash@4.17.4 mkdirp@0.5.1"        # mkdirp 0.5.1 pulls minimist 0.0.8

# ---------------------------------------------------------------- tools
MULTIARCH=${MULTIARCH:-1}
need=()
for t in mmdebstrap:mmdebstrap umoci:umoci skopeo:skopeo jq:jq curl:curl; do
    command -v "${t%%:*}" >/dev/null || need+=("${t#*:}")
done
[ "$MULTIARCH" = 0 ] || command -v arch-test >/dev/null || need+=(arch-test)  # mmdebstrap wants it for i386
# The wheels built on the host go into the image's Debian Python 3.11 venv, so
# the host interpreter must be 3.11 too (MarkupSafe/PyYAML build cp311 wheels);
# failing that, Debian bookworm's own python3 (3.11) + python3-pip is installed.
py311() {
    local c
    for c in python3.11 python3 /usr/bin/python3; do
        if command -v "$c" >/dev/null && "$c" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
           && "$c" -m pip --version >/dev/null 2>&1; then echo "$c"; return; fi
    done
}
PY=$(py311)
[ -n "$PY" ] || need+=(python3-pip)
command -v npm >/dev/null || need+=(npm)       # Debian's npm: slow (~300 packages), only if absent
if [ ${#need[@]} -gt 0 ]; then
    log "apt-get install ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}"; } \
        > /tmp/make-test-images-apt.log 2>&1 || { cat /tmp/make-test-images-apt.log >&2; exit 1; }
fi
PY=${PY:-$(py311)}
[ -n "$PY" ] || { echo "make-test-images.sh: found no python3.11 with pip" >&2; exit 1; }

# Debian mirror: reuse what apt is configured with (deb822 or one-line format).
if [ -z "${MIRROR:-}" ]; then
    MIRROR=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/{print $2; exit}')
    [ -n "$MIRROR" ] || MIRROR=$(grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
                                 | awk '{for(i=2;i<=NF;i++) if ($i ~ /^(https?|file):/) {print $i; exit}}' | head -1)
    [ -n "$MIRROR" ] || { echo "${0##*/}: no Debian mirror in apt's sources; set MIRROR" >&2; exit 1; }
fi

rm -rf "$WORK" "$OUT/oci" "$OUT/docker-archive"
mkdir -p "$WORK" "$OUT/docker-archive"
BUNDLE=$WORK/bundle
ROOT=$BUNDLE/rootfs

# run_in_root CMD... : like a Dockerfile RUN step.  chroot into the unpacked
# bundle with /proc and /dev mounted in a private mount namespace (so nothing
# leaks on error), and the host's resolv.conf present only for the duration.
run_in_root() {
    cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
    local rc=0
    unshare --mount --fork --pid sh -c '
        mount -t proc proc "$1/proc" && mount --rbind /dev "$1/dev" &&
        chroot "$1" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
            HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1 \
            PIP_NO_CACHE_DIR=1 SOURCE_DATE_EPOCH="$3" /bin/sh -ec "$2"' sh "$ROOT" "$*" "$SOURCE_DATE_EPOCH" || rc=$?
    rm -f "$ROOT/etc/resolv.conf"
    return $rc
}
# clamp_mtimes: give files changed by a step the fixed timestamp, so that layer
# digests only depend on content (like SOURCE_DATE_EPOCH for mmdebstrap).
clamp_mtimes() {
    find "$ROOT" -xdev -newermt "@$SOURCE_DATE_EPOCH" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
}

# ---------------------------------------------------------------- layer 1
# minbase TAG DEBARCH OCIARCH: a one-layer image of a Debian minbase root
# filesystem, which mmdebstrap writes as a tarball (the layer, verbatim; umoci
# gzips it).  /dev entries are dropped (as in Docker's official debian images)
# and the host's resolv.conf/hostname removed.
IMG=$OUT/oci
umoci init --layout "$IMG"
minbase() {
    log "mmdebstrap --variant=minbase --architectures=$2 $SUITE from $MIRROR -> $1"
    mmdebstrap --quiet --variant=minbase --architectures="$2" \
        --customize-hook='rm -f "$1/etc/resolv.conf" "$1/etc/hostname"' \
        "$SUITE" - "$MIRROR" | mmtarfilter --path-exclude='/dev/*' > "$WORK/rootfs-$2.tar"
    umoci new --image "$IMG:$1"
    umoci raw add-layer --image "$IMG:$1" --history.created "$CREATED" \
        --history.created_by "mmdebstrap --variant=minbase --architectures=$2 $SUITE" "$WORK/rootfs-$2.tar"
    umoci config --image "$IMG:$1" --no-history --created "$CREATED" \
        --os linux --architecture "$3" \
        --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        --config.cmd bash
    rm -f "$WORK/rootfs-$2.tar"
}
minbase debian-minbase amd64 amd64

# ---------------------------------------------------------------- layer 2
log "umoci unpack + chroot: python3, venv ($(echo $PY_PKGS | wc -w) pinned pkgs), npm ($NPM_PKGS), user app, fake key"
umoci unpack --image "$IMG:debian-minbase" "$BUNDLE" >/dev/null

# Wheels are fetched on the host (its pip knows the way to PyPI and its CA),
# then installed offline inside the image's own venv (Python 3.11 both sides).
mkdir -p "$WORK/wheels" "$WORK/npm"
# Reproducible wheels: SOURCE_DATE_EPOCH fixes zip timestamps, CFLAGS=-g0 keeps
# the build directory out of MarkupSafe's .so; a dedicated pip cache holds
# only wheels built this way.
# shellcheck disable=SC2086
CFLAGS=-g0 PIP_CACHE_DIR=${XDG_CACHE_HOME:-$HOME/.cache}/hullcheck-test-images/pip \
    "$PY" -m pip wheel -q --disable-pip-version-check --wheel-dir "$WORK/wheels" $PY_PKGS \
    > "$WORK/pip.log" 2>&1 || { cat "$WORK/pip.log" >&2; exit 1; }
# shellcheck disable=SC2086
(cd "$WORK/npm" && printf '{"name":"hullcheck-fixture-app","version":"1.0.0","private":true}\n' > package.json \
    && npm install --silent --no-audit --no-fund --save-exact $NPM_PKGS >/dev/null)

mkdir -p "$ROOT/tmp/wheels" && cp "$WORK"/wheels/*.whl "$ROOT/tmp/wheels/"
# shellcheck disable=SC2016
run_in_root '
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends python3 python3-venv >/dev/null 2>&1
    rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
    useradd --create-home --uid 1000 --shell /bin/bash app
    python3 -m venv /opt/app/venv
    /opt/app/venv/bin/pip install -q --no-index --find-links /tmp/wheels '"$PY_PKGS"'
    rm -rf /tmp/wheels
    # timestamped logs and caches, removed as mmdebstrap does, for reproducible layers
    rm -f /var/log/dpkg.log /var/log/alternatives.log /var/log/apt/*.log /var/log/apt/eipp.log.xz \
          /var/cache/ldconfig/aux-cache'
mkdir -p "$ROOT/opt/app"
cp -a "$WORK/npm/package.json" "$WORK/npm/package-lock.json" "$WORK/npm/node_modules" "$ROOT/opt/app/"
printf 'import requests, yaml, jinja2\nprint("hello")\n' > "$ROOT/opt/app/app.py"
# A fake (not a real key: random base64 payload) OpenSSH private key.
install -d -m 700 "$ROOT/root/.ssh"
cat > "$ROOT/root/.ssh/id_rsa" <<'EOF'
-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
QyNTUxOQAAACBodWxsY2hlY2stdGVzdC1maXh0dXJlLW5vdC1hLXJlYWwta2V5AAAAoGh1
bGxjaGVjay1maXh0dXJlLWZha2Uta2V5LWRvLW5vdC11c2UtaHVsbGNoZWNrLWZpeHR1cm
UtZmFrZS1rZXktZG8tbm90LXVzZQAAAAtzc2gtZWQyNTUxOQAAACBodWxsY2hlY2stdGVz
dC1maXh0dXJlLW5vdC1hLXJlYWwta2V5AAAAQGh1bGxjaGVjay1maXh0dXJlLWZha2Uta2
V5LWRvLW5vdC11c2UtaHVsbGNoZWNrLWZpeHR1cmUtZmFrZS1rZXktZG8tbm90LXVzZQAA
AA9yb290QGh1bGxjaGVjawECAwQFBg==
-----END OPENSSH PRIVATE KEY-----
EOF
chmod 600 "$ROOT/root/.ssh/id_rsa"
clamp_mtimes
umoci repack --refresh-bundle --image "$IMG:python-npm" --history.created "$CREATED" \
    --history.created_by "RUN apt-get install python3 python3-venv && pip install $PY_PKGS && npm install $NPM_PKGS && COPY id_rsa /root/.ssh/" \
    "$BUNDLE" >/dev/null
# Image config of the app images: non-root user, env, workdir, port, label.
APP_CFG=(--no-history --created "$CREATED"
    --config.env PATH=/opt/app/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
    --config.env APP_ENV=test
    --config.user app --config.workingdir /opt/app
    --config.exposedports 8080/tcp
    --config.label org.opencontainers.image.title=hullcheck-fixture
    --config.entrypoint /opt/app/venv/bin/python --config.cmd /opt/app/app.py)
umoci config --image "$IMG:python-npm" "${APP_CFG[@]}"

# ---------------------------------------------------------------- layer 3
log "umoci repack: secret-deleted (whiteout for /root/.ssh/id_rsa)"
rm -f "$ROOT/root/.ssh/id_rsa"
touch -h -d "@$SOURCE_DATE_EPOCH" "$ROOT/root/.ssh"
umoci repack --image "$IMG:secret-deleted" --history.created "$CREATED" \
    --history.created_by "RUN rm /root/.ssh/id_rsa" "$BUNDLE" >/dev/null
# The bundle still points at python-npm's manifest from *before* its `umoci
# config`, so repack inherited the base config: apply the app config again.
umoci config --image "$IMG:secret-deleted" "${APP_CFG[@]}" \
    --config.label org.opencontainers.image.description=key-removed-in-top-layer

# ---------------------------------------------------------------- multi-arch index
# desc TAG: the descriptor of a tag in index.json (mediaType, digest, size).
desc() { jq -c --arg t "$1" '.manifests[]|select(.annotations["org.opencontainers.image.ref.name"]==$t)|{mediaType,digest,size}' "$IMG/index.json"; }
if [ "$MULTIARCH" != 0 ]; then
    minbase debian-minbase-i386 i386 386
    log "OCI image index debian-multiarch (linux/amd64 + linux/386)"
    jq -cn --argjson a "$(desc debian-minbase)" --argjson b "$(desc debian-minbase-i386)" \
        '{schemaVersion:2, mediaType:"application/vnd.oci.image.index.v1+json",
          manifests:[$a+{platform:{architecture:"amd64",os:"linux"}}, $b+{platform:{architecture:"386",os:"linux"}}]}' \
        | tr -d '\n' > "$WORK/index.blob"
    d=$(sha256sum "$WORK/index.blob" | cut -d' ' -f1)
    mv "$WORK/index.blob" "$IMG/blobs/sha256/$d"
    jq -c --arg d "sha256:$d" --argjson n "$(stat -c %s "$IMG/blobs/sha256/$d")" \
        '.manifests += [{mediaType:"application/vnd.oci.image.index.v1+json", digest:$d, size:$n,
                         annotations:{"org.opencontainers.image.ref.name":"debian-multiarch"}}]' \
        "$IMG/index.json" > "$WORK/index.json"
    mv "$WORK/index.json" "$IMG/index.json"
    skopeo inspect --raw "oci:$IMG:debian-multiarch" >/dev/null   # sanity: skopeo can read it
fi
umoci gc --layout "$IMG"
if [ "${ZSTD:-1}" != 0 ]; then
    log "skopeo: python-npm-zstd (layers application/vnd.oci.image.layer.v1.tar+zstd)"
    # via a scratch layout: copying straight into $IMG would reuse the gzip blobs
    # already there (skopeo 1.9 has no --dest-force-compress-format)
    skopeo copy -q --dest-compress --dest-compress-format zstd "oci:$IMG:python-npm" "oci:$WORK/zstd:python-npm-zstd"
    skopeo copy -q "oci:$WORK/zstd:python-npm-zstd" "oci:$IMG:python-npm-zstd"
fi
chmod -R a+rX "$IMG"          # umoci writes blobs 0600

# ---------------------------------------------------------------- per-tag layouts
# blobs_of DIGEST: the blob itself and, recursively, everything it references.
blobs_of() {
    local b=$IMG/blobs/sha256/${1#sha256:}
    echo "${1#sha256:}"
    case $(jq -r '.mediaType // (if .manifests then "index" else "manifest" end)' "$b") in
        *index*|*list*) for m in $(jq -r '.manifests[].digest' "$b"); do blobs_of "$m"; done;;
        *) jq -r '.config.digest, .layers[].digest | .[7:]' "$b";;
    esac
}
rm -rf "$OUT/oci-per-tag"
for tag in $(jq -r '.manifests[].annotations["org.opencontainers.image.ref.name"]' "$IMG/index.json"); do
    t=$OUT/oci-per-tag/$tag
    mkdir -p "$t/blobs/sha256"
    cp "$IMG/oci-layout" "$t/"
    jq -c --arg t "$tag" '.manifests |= map(select(.annotations["org.opencontainers.image.ref.name"]==$t))' \
        "$IMG/index.json" > "$t/index.json"
    for b in $(blobs_of "$(desc "$tag" | jq -r .digest)" | sort -u); do ln "$IMG/blobs/sha256/$b" "$t/blobs/sha256/$b"; done
done

# ---------------------------------------------------------------- docker-archive
for tag in debian-minbase python-npm secret-deleted; do
    log "skopeo copy oci:$tag -> docker-archive/$tag.tar"
    rm -f "$OUT/docker-archive/$tag.tar"
    skopeo copy -q "oci:$IMG:$tag" "docker-archive:$OUT/docker-archive/$tag.tar:hullcheck/$tag:latest"
done

# ---------------------------------------------------------------- summary
{
    echo "# built $(date -u +%FT%TZ) by make-test-images.sh; mirror=$MIRROR suite=$SUITE SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH"
    echo "# python: $PY_PKGS"
    echo "# npm:    $NPM_PKGS"
    for tag in $(jq -r '.manifests[].annotations["org.opencontainers.image.ref.name"]' "$IMG/index.json"); do
        d=$(desc "$tag" | jq -r .digest); b=$IMG/blobs/sha256/${d#sha256:}
        if [ -f "$OUT/docker-archive/$tag.tar" ]; then
            echo "$tag manifest=$d layers=$(jq -r '[.layers[]|"\(.digest[7:19]):\(.size)"]|join(",")' "$b") docker-archive=$(stat -c %s "$OUT/docker-archive/$tag.tar")B"
        elif jq -e .layers "$b" >/dev/null; then
            echo "$tag manifest=$d layers=$(jq -r '[.layers[]|"\(.digest[7:19]):\(.size)"]|join(",")' "$b")"
        else
            echo "$tag index=$d manifests=$(jq -r '[.manifests[]|"\(.platform.os)/\(.platform.architecture)=\(.digest[7:19])"]|join(",")' "$b")"
        fi
    done
    echo "oci-layout-bytes=$(du -sb "$IMG" | cut -f1)"
} > "$OUT/MANIFEST.txt"
rm -rf "$WORK"
log "done: $OUT"
cat "$OUT/MANIFEST.txt"
