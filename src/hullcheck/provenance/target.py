"""What ``sign IMAGE`` / ``verify IMAGE`` act on: an image in a registry or an OCI layout.

``oci:DIR[:TAG]`` (or a directory holding ``index.json``) is an OCI layout; anything else
is a registry reference (``registry:`` or ``docker://`` prefixes allowed).  The image is
resolved once to its manifest (or index) digest: every later step is bound to that
digest, never to the tag, which may move meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hullcheck.errors import ImageError, InputError
from hullcheck.sources.artifacts import ArtifactStore
from hullcheck.sources.base import Manifest
from hullcheck.sources.layoutwriter import LayoutStore
from hullcheck.sources.reference import parse_reference
from hullcheck.sources.registry.options import RegistryOptions


@dataclass
class Target:
    """An image resolved to its digest, and the store its signatures live in."""

    store: ArtifactStore
    subject: Manifest
    repository: str
    display: str

    @property
    def digest(self) -> str:
        return self.subject.digest

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Target:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _split_layout(text: str) -> tuple[Path, str | None] | None:
    if text.startswith("oci:"):
        rest = text[4:]
        path, at, digest = rest.rpartition("@")
        if at and digest.startswith("sha256:") and Path(path).is_dir():
            return Path(path), digest
        path, sep, tag = rest.rpartition(":")
        if sep and Path(path).is_dir() and "/" not in tag:
            return Path(path), tag or None
        return Path(rest), None
    if Path(text).is_dir():
        return Path(text), None
    return None


def _layout_subject(store: LayoutStore, tag: str | None) -> Manifest:
    if tag is not None:
        found = store.manifest(tag)
        if found is None:
            tags = ", ".join(t for t in store.tags() if not t.endswith((".sig", ".att")))
            raise ImageError(f"{store.description} has no image tagged {tag!r} (tags: {tags})")
        return found
    images = [
        e
        for e in store.entries()
        if not str(
            (e.get("annotations") or {}).get("org.opencontainers.image.ref.name", "")
        ).endswith((".sig", ".att"))
    ]
    if len(images) != 1:
        raise ImageError(f"{store.description} holds {len(images)} images; name one as oci:DIR:TAG")
    found = store.manifest(str(images[0].get("digest")))
    if found is None:
        raise ImageError(f"{store.description}: the image's manifest blob is missing")
    return found


def open_target(text: str, options: RegistryOptions) -> Target:
    """Resolve ``text`` to an image and open the store that holds its signatures."""
    layout = _split_layout(text)
    if layout is not None:
        root, tag = layout
        store = LayoutStore(root)
        subject = _layout_subject(store, tag)
        name = tag or root.name
        return Target(store, subject, name, f"oci:{root}{':' + tag if tag else ''}")
    raw = text
    for prefix in ("registry:", "docker://"):
        if raw.startswith(prefix):
            raw = raw[len(prefix) :]
    if not raw or raw.startswith(("/", ".")):
        raise InputError(f"{text!r} is neither an OCI layout directory nor an image reference")
    ref = parse_reference(raw)
    # the HTTP client loads for a registry only: a layout's scan does not import it
    from hullcheck.sources.registry.writer import RegistryWriter  # noqa: PLC0415

    writer = RegistryWriter(ref, options)
    try:
        got = writer.manifest(ref.selector)
        if got is None:
            raise ImageError(f"{ref}: no such image in the registry (MANIFEST_UNKNOWN)")
    except BaseException:
        writer.close()
        raise
    return Target(writer, got, ref.name, str(ref))
