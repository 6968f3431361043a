"""Every on-disk form of the same image reads the same; tags, platforms and indexes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hullcheck.errors import ImageError, InputError
from hullcheck.sources.api import open_image
from hullcheck.sources.base import Platform
from hullcheck.sources.open import parse_reference
from tests.fixtures.imagebuilder import (
    OCI_INDEX,
    Dir,
    File,
    Layer,
    Symlink,
    Whiteout,
    canonical,
    make_image,
    sha,
)

LAYERS = [
    Layer([Dir("etc"), File("etc/os-release", b"ID=test\n"), Symlink("bin", "usr/bin")]),
    Layer([File("root/.ssh/id_rsa", b"KEY", mode=0o600)], compression="zstd", created_by="COPY"),
    Layer([Whiteout("root/.ssh/id_rsa")], compression="none", created_by="RUN rm"),
]


@pytest.mark.parametrize("form", ["oci", "oci-archive", "docker-archive", "docker25"])
def test_forms_agree(tmp_path: Path, form: str) -> None:
    img = make_image(tmp_path / "img", LAYERS, form=form, config={"User": "app"})
    with open_image(img.reference) as handle:
        image = handle.image
        result = handle.walk()
    assert [layer.diff_id for layer in image.layers] == img.diff_ids
    assert image.config.user == "app"
    assert [layer.created_by for layer in image.layers] == ["fixture layer", "COPY", "RUN rm"]
    assert result.complete, result.errors
    assert result.view.paths() == ["/bin", "/etc", "/etc/os-release", "/root", "/root/.ssh"]
    key = result.view.get("/root/.ssh/id_rsa")
    assert key is not None and (key.added_by, key.deleted_by) == (1, 2)
    if form == "docker-archive":
        assert image.synthetic_manifest
        assert [layer.digest for layer in image.layers] == img.diff_ids
        assert image.repo_tags == ("fixture/image:latest",)
    else:
        assert image.manifest_digest == img.manifest_digest
        if form == "docker25":
            assert image.repo_tags == ("docker.io/fixture/image:latest",)
        assert [layer.digest for layer in image.layers] == img.layer_digests


def test_docker_archive_tag_selection(tmp_path: Path) -> None:
    img = make_image(tmp_path / "img", LAYERS, form="docker-archive")
    with open_image(f"{img.path}:fixture/image:latest") as handle:
        assert len(handle.image.layers) == 3
    with open_image(f"docker-archive:{img.path}:docker.io/fixture/image") as handle:
        assert len(handle.image.layers) == 3
    with pytest.raises(ImageError, match=r"no image tagged 'other:1' \(tags: fixture/image:latest"):
        open_image(f"docker-archive:{img.path}:other:1")


def test_multi_tag_layout_needs_a_tag(tmp_path: Path) -> None:
    a = make_image(tmp_path / "l", LAYERS[:1], tag="a")
    # add a second image under tag b to the same layout
    b = make_image(tmp_path / "other", LAYERS[:2], tag="b")
    for name in (b.path / "blobs" / "sha256").iterdir():
        (a.path / "blobs" / "sha256" / name.name).write_bytes(name.read_bytes())
    index = json.loads((a.path / "index.json").read_bytes())
    index["manifests"] += json.loads((b.path / "index.json").read_bytes())["manifests"]
    (a.path / "index.json").write_bytes(canonical(index))
    with pytest.raises(ImageError, match=r"holds 2 images; name one .* \(tags: a, b\)"):
        open_image(f"oci:{a.path}")
    with open_image(f"oci:{a.path}:b") as handle:
        assert len(handle.image.layers) == 2
    with pytest.raises(ImageError, match=r"no image tagged 'c' \(tags: a, b\)"):
        open_image(f"oci:{a.path}:c")
    # plain directory path works too
    with open_image(f"{a.path}:a") as handle:
        assert len(handle.image.layers) == 1


def test_same_manifest_under_several_tags(tmp_path: Path) -> None:
    img = make_image(tmp_path / "l", LAYERS, tag="v1", tags=["latest"])
    with pytest.raises(ImageError, match="tags: v1, latest"):
        open_image(f"oci:{img.path}")
    with open_image(f"oci:{img.path}:latest") as handle:
        assert handle.image.manifest_digest == img.manifest_digest


def test_platform_selection(tmp_path: Path) -> None:
    img = make_image(
        tmp_path / "l", LAYERS[:1], platforms=["linux/amd64", "linux/386", "linux/arm64/v8"]
    )
    for plat, arch in (("linux/386", "386"), ("linux/arm64", "arm64"), ("linux/arm64/v8", "arm64")):
        with open_image(img.reference, platform=Platform.parse(plat)) as handle:
            assert handle.image.platform.architecture == arch
            assert handle.image.index_digest == img.index_digest
    with pytest.raises(
        ImageError,
        match=r"no manifest for requested platform linux/s390x \(available: linux/386, "
        r"linux/amd64, linux/arm64/v8\)",
    ):
        open_image(img.reference, platform=Platform.parse("linux/s390x"))


def test_single_manifest_platform_mismatch(tmp_path: Path) -> None:
    img = make_image(tmp_path / "l", LAYERS[:1], platform="linux/386")
    with open_image(img.reference) as handle:  # no platform asked: read what is there
        assert str(handle.image.platform) == "linux/386"
    with pytest.raises(ImageError, match="for platform linux/386, not the requested linux/amd64"):
        open_image(img.reference, platform=Platform.parse("linux/amd64"))


def test_nested_indexes_and_depth_limit(tmp_path: Path) -> None:
    img = make_image(tmp_path / "l", LAYERS[:1], platforms=["linux/amd64"])
    blobs = img.path / "blobs" / "sha256"
    inner = {"mediaType": OCI_INDEX, "digest": img.index_digest, "size": 0}
    assert img.index_digest is not None
    inner["size"] = len((blobs / img.index_digest[7:]).read_bytes())
    top = inner
    for _ in range(3):  # wrap three more times: depth 4 is allowed
        body = canonical({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [top]})
        (blobs / sha(body)[7:]).write_bytes(body)
        top = {"mediaType": OCI_INDEX, "digest": sha(body), "size": len(body)}
    layout = {"schemaVersion": 2, "manifests": [top]}  # the layout's only entry is an index
    (img.path / "index.json").write_bytes(canonical(layout))
    with open_image(f"oci:{img.path}") as handle:
        assert handle.image.manifest_digest == img.manifest_digest
        assert handle.image.index_digest == top["digest"]
    body = canonical({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [top]})
    (blobs / sha(body)[7:]).write_bytes(body)
    (img.path / "index.json").write_bytes(
        canonical({"manifests": [{"mediaType": OCI_INDEX, "digest": sha(body), "size": len(body)}]})
    )
    with pytest.raises(ImageError, match="nest deeper than 4"):
        open_image(f"oci:{img.path}")


def test_untagged_platform_entries_in_index_json(tmp_path: Path) -> None:
    img = make_image(tmp_path / "l", LAYERS[:1], platforms=["linux/amd64", "linux/386"])
    assert img.index_digest is not None
    index = json.loads((img.path / "blobs" / "sha256" / img.index_digest[7:]).read_bytes())
    (img.path / "index.json").write_bytes(canonical({"schemaVersion": 2, **index}))
    with open_image(f"oci:{img.path}", platform=Platform.parse("linux/386")) as handle:
        assert handle.image.platform.architecture == "386"


def test_history_with_empty_layers(tmp_path: Path) -> None:
    history = [
        {"created_by": "FROM scratch", "empty_layer": True},
        {"created_by": "ADD rootfs"},
        {"created_by": "ENV A=1", "empty_layer": True},
        {"created_by": "RUN make"},
        {"created_by": "CMD x", "empty_layer": True},
    ]
    img = make_image(tmp_path / "l", LAYERS[:2], history=history)
    with open_image(img.reference) as handle:
        image = handle.image
    assert [layer.created_by for layer in image.layers] == ["ADD rootfs", "RUN make"]
    assert [layer.history_index for layer in image.layers] == [1, 3]
    assert [h.layer_index for h in image.config.history] == [None, 0, None, 1, None]
    assert not image.warnings
    img = make_image(tmp_path / "m", LAYERS[:2], history=history[:2])
    with open_image(img.reference) as handle:
        assert "1 non-empty entries for 2 layers" in handle.image.warnings[0]
        assert handle.image.layers[1].created_by is None


def test_reference_parsing(tmp_path: Path) -> None:
    layout = tmp_path / "dir:with:colons"
    layout.mkdir()
    assert parse_reference(f"oci:{layout}:tag").path == layout
    assert parse_reference(f"oci:{layout}:tag").tag == "tag"
    assert parse_reference(f"oci:{layout}").tag is None
    assert parse_reference("alpine:3.19").kind == "registry"
    assert parse_reference("registry:localhost:5000/a/b:1").rest == "localhost:5000/a/b:1"
    assert parse_reference("docker:nginx:latest").kind == "docker"
    # A registry host that happens to be called like a transport, with a port.
    hosted = parse_reference("registry:5000/team/app:1")
    assert (hosted.kind, hosted.rest) == ("registry", "registry:5000/team/app:1")
    assert parse_reference("docker:2375/app").rest == "docker:2375/app"
    assert parse_reference("x", forced="registry").kind == "registry"
    with pytest.raises(InputError, match="does not exist"):
        parse_reference("./missing.tar")
    with pytest.raises(InputError, match="unknown source"):
        parse_reference("x", forced="ftp")


def test_remote_sources_without_module(tmp_path: Path) -> None:
    with pytest.raises(ImageError, match=r"not supported by this build|registry"):
        open_image("registry:127.0.0.1:1/none:1")


def test_subscriptions_match_and_share_content(tmp_path: Path) -> None:
    from hullcheck.sources.walker import Subscription
    from tests.sources.helpers import Collector, read

    img = make_image(
        tmp_path / "l",
        [
            Layer(
                [
                    Dir("etc"),
                    File("etc/os-release", b"ID=x\n"),
                    File("etc/passwd", b"root:x:0:0\n"),
                    Dir("app"),
                    File("app/package.json", b"{}" * 10),
                    File("app/big.bin", b"B" * 5000),
                ]
            )
        ],
    )
    exact, glob, base, pred, meta, boom = (Collector() for _ in range(6))

    def explode(ref: object, data: object) -> None:
        raise RuntimeError("analyser bug")

    subs = [
        Subscription("exact", exact, paths=frozenset({"/etc/os-release"})),
        Subscription("glob", glob, globs=("/app/*.json",)),
        Subscription("base", base, basenames=frozenset({"passwd"})),
        Subscription("pred", pred, predicate=lambda p: p.endswith(".bin"), max_size=100),
        Subscription("meta", meta, all_entries=True, kinds=frozenset({"dir"}), max_size=0),
        Subscription("boom", explode, all_entries=True),
        Subscription("after", boom, all_entries=True),
    ]
    result = read(img.reference, subs)
    assert exact.seen == [("/etc/os-release", 0, b"ID=x\n")]
    assert glob.seen == [("/app/package.json", 0, b"{}" * 10)]
    assert base.seen == [("/etc/passwd", 0, b"root:x:0:0\n")]
    assert pred.seen == [("/app/big.bin", 0, b"B" * 100)]
    assert pred.refs[0].size == 5000  # the size says the content was cut
    assert [p for p, _, _ in meta.seen] == ["/etc", "/app"]
    assert len(boom.seen) == 4  # other analysers kept going
    assert "analyser boom failed on /etc/os-release" in result.errors[0].message
    assert len(result.errors) == 1  # reported once, then unsubscribed


def _add_signature_entry(layout: Path, image_digest: str, **descriptor: str) -> None:
    """A cosign-style signature stored next to the image, as ``cosign save`` and
    ``skopeo copy`` of a signed image leave it: a small manifest tagged ``sha256-<hex>.sig``."""
    sig = make_image(layout.parent / "sig", [Layer([File("sig", b"payload")])], tag="s")
    for name in (sig.path / "blobs" / "sha256").iterdir():
        (layout / "blobs" / "sha256" / name.name).write_bytes(name.read_bytes())
    index = json.loads((layout / "index.json").read_bytes())
    (entry,) = json.loads((sig.path / "index.json").read_bytes())["manifests"]
    entry["annotations"] = {
        "org.opencontainers.image.ref.name": f"{image_digest.replace(':', '-')}.sig"
    }
    entry.update(descriptor)
    index["manifests"].append(entry)
    (layout / "index.json").write_bytes(canonical(index))


@pytest.mark.parametrize(
    "descriptor", [{}, {"artifactType": "application/vnd.dev.cosign.simplesigning.v1+json"}]
)
def test_a_signature_beside_the_image_is_not_a_second_image(
    tmp_path: Path, descriptor: dict[str, str]
) -> None:
    img = make_image(tmp_path / "l", LAYERS, tag="v1")
    _add_signature_entry(img.path, img.manifest_digest, **descriptor)
    with open_image(f"oci:{img.path}") as handle:
        assert handle.image.manifest_digest == img.manifest_digest
        assert len(handle.image.layers) == 3


def test_an_image_named_by_digest_with_an_at_sign(tmp_path: Path) -> None:
    img = make_image(tmp_path / "l", LAYERS, tag="v1", tags=["latest"])
    for form in (f"oci:{img.path}@{img.manifest_digest}", f"oci:{img.path}:{img.manifest_digest}"):
        with open_image(form) as handle:
            assert handle.image.manifest_digest == img.manifest_digest
    with pytest.raises(ImageError, match="no image tagged 'sha256:"):
        open_image(f"oci:{img.path}@sha256:{'0' * 64}")
