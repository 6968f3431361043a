# hullcheck's own image: the CLI and `hullcheck serve` (extra `server`), non-root, no build
# tools in the final stage. Built by scripts/make-image.sh (buildah, no registry needed):
# the base is a Debian bookworm rootfs made by that script with mmdebstrap and added to
# FROM scratch, so the base is pinned by content (BASE_SHA256, checked before the build).
#
#   bash scripts/make-image.sh            # -> .cache/hullcheck-image/hullcheck.tar
#   hullcheck scan docker-archive:.cache/hullcheck-image/hullcheck.tar
FROM scratch AS base
ADD debian-rootfs.tar /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8

FROM base AS build
COPY --chmod=0644 dist/ /tmp/dist/
# the wheel and its dependencies (wheels made by scripts/make-image.sh) into one venv,
# from the build context only (--no-index); pip's cache stays out of the layer
RUN python3 -m venv /opt/hullcheck \
 && /opt/hullcheck/bin/pip install --no-cache-dir --disable-pip-version-check --quiet \
        --no-index --find-links /tmp/dist "$(ls /tmp/dist/hullcheck-*.whl)[server]" \
 && /opt/hullcheck/bin/pip uninstall --yes --quiet pip \
 && rm -rf /tmp/dist

FROM base
COPY --from=build /opt/hullcheck /opt/hullcheck
ENV PATH=/opt/hullcheck/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HULLCHECK_NO_PROGRESS=1 \
    XDG_CACHE_HOME=/var/cache/hullcheck
LABEL org.opencontainers.image.title="hullcheck" \
      org.opencontainers.image.description="Audit Dockerfiles and container images against hardening practices" \
      org.opencontainers.image.licenses="Apache-2.0"
# the cache and the working directory belong to the user the image runs as
RUN mkdir -p /var/cache/hullcheck /work && chown 10001:10001 /var/cache/hullcheck /work
WORKDIR /work
USER 10001:10001
ENTRYPOINT ["/opt/hullcheck/bin/hullcheck"]
CMD ["--help"]
