"""pin: only the image references change, formatting and comments stay; real registry too."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from hullcheck.dockerfile.parser import parse
from hullcheck.errors import DockerfileError
from hullcheck.provenance.pin import find_images, plan, rewrite
from hullcheck.sources.digest import digest_of
from hullcheck.sources.mediatypes import OCI_MANIFEST
from hullcheck.sources.reference import Reference, parse_reference
from hullcheck.sources.registry.options import RegistryOptions
from hullcheck.sources.registry.writer import RegistryWriter
from tests.provenance.conftest import Pushed
from tests.provenance.test_sign_verify_registry import run

D1 = "sha256:" + "1" * 64
D2 = "sha256:" + "2" * 64

DOCKERFILE = (
    "# syntax=docker/dockerfile:1\r\n"
    "ARG VERSION=3\r\n"
    "# the builder\r\n"
    "FROM   golang:1.22  AS build\r\n"
    "RUN --mount=type=cache,target=/root/.cache \\\r\n"
    "    --mount=type=bind,from=ghcr.io/acme/tools:2,target=/t \\\r\n"
    "    go build ./...   # keep this comment\r\n"
    "FROM alpine:$VERSION AS vars\r\n"
    "FROM scratch\r\n"
    "COPY --from=build /out /out\r\n"
    "COPY --from=busybox:1.36 /bin/busybox /bin/busybox\r\n"
    "FROM build AS again\r\n"
    "FROM debian@" + D1 + "\r\n"
    "FROM python:3.12@" + D1 + "\r\n"
)


def fake(digests: dict[str, str]):  # type: ignore[no-untyped-def]
    asked: list[str] = []

    def resolve(ref: Reference) -> str:
        asked.append(str(ref))
        return digests[str(ref)]

    return resolve, asked


def test_rewrites_only_the_references() -> None:
    df = parse(DOCKERFILE)
    uses = find_images(df)
    assert [(u.where, u.text) for u in uses] == [
        ("FROM", "golang:1.22"),
        ("RUN --mount from", "ghcr.io/acme/tools:2"),
        ("FROM", "alpine:$VERSION"),
        ("COPY --from", "busybox:1.36"),
        ("FROM", "debian@" + D1),
        ("FROM", "python:3.12@" + D1),
    ]
    resolve, asked = fake(
        {
            "docker.io/library/golang:1.22": D2,
            "ghcr.io/acme/tools:2": D1,
            "docker.io/library/busybox:1.36": D2,
        }
    )
    changes, notes = plan(uses, resolve, update=False)
    assert notes == ["line 8: FROM alpine:$VERSION: skipped (uses a build variable)"]
    out = rewrite(DOCKERFILE, changes)
    expected = (
        DOCKERFILE.replace("golang:1.22 ", f"golang:1.22@{D2} ")
        .replace("from=ghcr.io/acme/tools:2,", f"from=ghcr.io/acme/tools:2@{D1},")
        .replace("--from=busybox:1.36 ", f"--from=busybox:1.36@{D2} ")
    )
    assert out == expected
    assert len(asked) == 3


def test_update_reports_moved_tags() -> None:
    resolve, _ = fake(
        {
            "docker.io/library/python:3.12": D2,
            "docker.io/library/golang:1.22": D2,
            "ghcr.io/acme/tools:2": D1,
            "docker.io/library/busybox:1.36": D2,
        }
    )
    changes, notes = plan(find_images(parse(DOCKERFILE)), resolve, update=True)
    moved = [c for c in changes if c.moved]
    assert [(c.use.text, c.new_text) for c in moved] == [(f"python:3.12@{D1}", f"python:3.12@{D2}")]
    assert any("debian@" in n and "pinned without a tag" in n for n in notes)


def test_untagged_reference_gets_latest() -> None:
    text = "FROM alpine\nCOPY --from=nginx /etc/nginx /etc/nginx\n"
    resolve, _ = fake({"docker.io/library/alpine:latest": D1, "docker.io/library/nginx:latest": D2})
    changes, _ = plan(find_images(parse(text)), resolve, update=False)
    assert rewrite(text, changes) == (
        f"FROM alpine:latest@{D1}\nCOPY --from=nginx:latest@{D2} /etc/nginx /etc/nginx\n"
    )


def _push_tiny(w: RegistryWriter, base: str | None, layer: bytes, config: bytes, tag: str) -> str:
    ld, cd = digest_of(layer), digest_of(config)
    for digest, data in ((ld, layer), (cd, config)):
        if base is None or not w.mount_blob(digest, base):
            w.put_blob(data)
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "size": len(config),
                "digest": cd,
            },
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar",
                    "size": len(layer),
                    "digest": ld,
                }
            ],
        }
    ).encode()
    return w.put_manifest(manifest, OCI_MANIFEST, tag)


def test_pin_cli_on_registry(
    pushed: Pushed, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    host = pushed.registry.host
    df = tmp_path / "Dockerfile"
    df.write_text(f"FROM {host}/app/single:1\n# keep me\nCOPY --from={host}/app/multi:1 /a /a\n")
    code, out, _ = run(capsys, "pin", str(df), "--check")
    assert code == 1 and out.count("is not pinned") == 2
    code, _, err = run(capsys, "pin", str(df))
    assert code == 0, err
    text = df.read_text()
    assert text == (
        f"FROM {host}/app/single:1@{pushed.single.manifest_digest}\n# keep me\n"
        f"COPY --from={host}/app/multi:1@{pushed.multi.index_digest} /a /a\n"
    )
    assert run(capsys, "pin", str(df), "--check")[0] == 0
    # the tag moves: --update says so and refreshes the pin
    w = RegistryWriter(parse_reference(f"{host}/app/single"), RegistryOptions())
    try:
        new = _push_tiny(w, None, b"rebuilt layer", b'{"architecture":"amd64","os":"linux"}', "1")
    finally:
        w.close()
    code, _, err = run(capsys, "pin", str(df), "--update")
    assert code == 0, err
    assert f"moved: {pushed.single.manifest_digest} -> {new}" in err
    assert f"app/single:1@{new}" in df.read_text()
    code, _, err = run(capsys, "pin", str(df), "--update")
    assert "moved" not in err  # nothing moved since


def _corpus_files(shared: Path, count: int) -> list[Path]:
    files = sorted((shared / "corpus" / "dockerfiles").rglob("Dockerfile*"))
    random.Random(14).shuffle(files)
    picked = []
    for path in files:
        try:
            uses = find_images(parse(path.read_text(errors="replace")))
        except (DockerfileError, UnicodeDecodeError):
            continue
        if uses and all(u.ref is not None and not u.pinned for u in uses):
            picked.append(path)
        if len(picked) == count:
            break
    return picked


def test_pin_corpus_dockerfiles(
    pushed: Pushed, shared_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    host = pushed.registry.host
    files = _corpus_files(shared_dir, 30)
    assert len(files) == 30
    wanted: dict[Reference, str] = {}
    for path in files:
        for use in find_images(parse(path.read_text(errors="replace"))):
            assert use.ref is not None
            wanted[Reference(use.ref.domain, use.ref.path, use.ref.tag or "latest")] = ""
    domains = sorted({r.domain for r in wanted})
    layer, config = b"tiny layer", b'{"architecture":"amd64","os":"linux"}'
    base: str | None = None
    for ref in wanted:  # every base, pushed to the local registry (blobs mounted, not re-sent)
        w = RegistryWriter(Reference(host, ref.path, ref.tag), RegistryOptions())
        try:
            tag = ref.tag or "latest"
            wanted[ref] = _push_tiny(w, base, layer, config + ref.path.encode(), tag)
        finally:
            w.close()
        base = base or ref.path
    mirrors = [a for d in domains for a in ("--mirror", f"{d}={host}")]
    for i, path in enumerate(files):
        before = path.read_text(errors="replace")
        copy = tmp_path / f"{i}.Dockerfile"
        copy.write_text(before)
        code, _, err = run(capsys, "pin", str(copy), *mirrors)
        assert code == 0, (path, err)
        after = copy.read_text()
        old, new = parse(before), parse(after)
        assert len(old.instructions) == len(new.instructions)
        uses = find_images(old)
        for a, b in zip(old.instructions, new.instructions, strict=True):
            assert (a.keyword, a.line, a.end_line) == (b.keyword, b.line, b.end_line)
            restored = b.original
            for use in uses:
                assert use.ref is not None
                key = Reference(use.ref.domain, use.ref.path, use.ref.tag or "latest")
                restored = restored.replace(f"@{wanted[key]}", "").replace(
                    f"{use.text}:latest", use.text
                )
            assert restored == a.original, path
        for use in find_images(new):
            assert use.pinned and use.ref is not None and use.ref.digest
        # nothing but the references changed: same lines apart from the pinned tokens
        changed = [
            (x, y) for x, y in zip(before.split("\n"), after.split("\n"), strict=True) if x != y
        ]
        assert changed and all("@sha256:" in y for _, y in changed)
