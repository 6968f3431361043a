"""The front door of image access for other stages: open, resolve, walk, close.

    with open_image("oci:./layout:app", platform=None) as handle:
        handle.image.config.user, [l.diff_id for l in handle.image.layers]
        sub = Subscription("os-release", on_file, paths=frozenset({"/etc/os-release"}))
        result = handle.walk([sub])
        result.view.get("/root/.ssh/id_rsa")   # PathInfo: added_by, changed_by, deleted_by

A handle's layers can be walked once per ``walk`` call; scan composes every analyser's
subscriptions into one call so that each layer is read exactly once.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import TracebackType

from hullcheck.sources.base import ImageSource, ManifestlessSource, Platform
from hullcheck.sources.cache import BlobCache, CachingOpener
from hullcheck.sources.image import Image
from hullcheck.sources.open import SourceOptions, open_source
from hullcheck.sources.resolve import resolve_image
from hullcheck.sources.walker import Subscription, Walker, WalkResult


class ImageHandle:
    """An opened source and the image resolved from it; close it (or use ``with``)."""

    def __init__(self, source: ImageSource, image: Image, options: SourceOptions) -> None:
        self.source = source
        self.image = image
        self.options = options

    def walk(self, subscriptions: Iterable[Subscription] = ()) -> WalkResult:
        """Read every layer once, offering entries to ``subscriptions``."""
        opener = None
        if self.options.cache_dir is not None and self.source.info.kind == "registry":
            opener = CachingOpener(self.source, BlobCache(self.options.cache_dir))
        return Walker(
            self.source,
            self.image,
            subscriptions,
            self.options.limits,
            open_blob=opener.open if opener else None,
            spool_dir=self.options.spool_dir,
            parallel=self.options.parallel,
        ).run()

    def close(self) -> None:
        self.source.close()

    def __enter__(self) -> ImageHandle:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def open_image(
    reference: str,
    *,
    source: str | None = None,
    platform: Platform | None = None,
    options: SourceOptions | None = None,
) -> ImageHandle:
    """Open ``reference`` (see ``hullcheck.sources.open``) and resolve it for ``platform``."""
    options = options or SourceOptions()
    src = open_source(reference, source, options)
    if isinstance(src, ManifestlessSource):
        return ImageHandle(src, src.image(), options)  # no manifest to resolve
    try:
        image = resolve_image(src, platform, options.limits)
    except BaseException:
        src.close()
        raise
    return ImageHandle(src, image, options)
