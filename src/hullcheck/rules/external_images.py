"""Images a build pulls besides its FROMs: ``COPY --from=IMAGE`` and ``RUN --mount=from=IMAGE``.

BuildKit pulls a ``--from`` that names no earlier stage as an image, and what it copies
or mounts lands in the build as surely as a base image does; so such an image is judged
like FROM: a version tag (not ``latest``, not none), then a digest.  A bare word that
names no stage (``--from=bulid``) is far more often a typo than an image and is
HC3042's finding; a reference with a registry, a tag or a digest is an image.
"""

from __future__ import annotations

from collections.abc import Iterator

from hullcheck.model import Practice, Severity
from hullcheck.rules.base import Hit, Rule, RuleContext, at_line
from hullcheck.rules.common import external_images


def _check_tag(ctx: RuleContext) -> Iterator[Hit]:
    for ins, how, ref in external_images(ctx.dockerfile):
        if ref.is_latest_or_untagged and not ref.digest:
            moving = "has no tag" if ref.tag is None else "uses the moving `latest` tag"
            yield at_line(ins, f"{how} pulls {ref.raw}, which {moving}")


UNPINNED = Rule(
    id="HC1006",
    name="unpinned-copy-source-image",
    title="Image pulled by COPY --from or a mount not pinned to a version",
    severity=Severity.MEDIUM,
    practice=Practice.BASE_IMAGE,
    explanation=(
        "An image named by `COPY --from` or `RUN --mount=from` is pulled at build time like"
        " a base image; untagged or `latest`, it changes under you and whatever its"
        " publisher pushes next is copied into your image."
    ),
    fix="Name a version tag and its digest: `COPY --from=image:1.2@sha256:<digest> ...`.",
    check=_check_tag,
)


def _check_digest(ctx: RuleContext) -> Iterator[Hit]:
    for ins, how, ref in external_images(ctx.dockerfile):
        if ref.tag not in (None, "latest") and not ref.digest:
            yield at_line(ins, f"{how} pulls {ref.raw} by tag, which its publisher can move")


DIGEST = Rule(
    id="HC1007",
    name="copy-source-image-without-digest",
    title="Image pulled by COPY --from or a mount not pinned by digest",
    severity=Severity.LOW,
    practice=Practice.BASE_IMAGE,
    explanation=(
        "Tags are mutable; a digest names exactly the image whose files you copy, so the"
        " build cannot change when the tag moves."
    ),
    fix="Pin the digest too: `COPY --from=image:1.2@sha256:<digest> ...`.",
    check=_check_digest,
)

RULES = (UNPINNED, DIGEST)
