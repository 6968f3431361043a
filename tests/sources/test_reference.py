"""Image references are normalised as ``docker pull`` does, and bad ones are refused clearly."""

from __future__ import annotations

import pytest

from hullcheck.errors import InputError
from hullcheck.sources.reference import parse_reference

D = "sha256:" + "ab" * 32


@pytest.mark.parametrize(
    ("text", "domain", "path", "tag", "digest", "api_host"),
    [
        ("alpine", "docker.io", "library/alpine", "latest", None, "registry-1.docker.io"),
        ("alpine:3.19", "docker.io", "library/alpine", "3.19", None, "registry-1.docker.io"),
        ("bitnami/redis:7", "docker.io", "bitnami/redis", "7", None, "registry-1.docker.io"),
        ("docker.io/alpine", "docker.io", "library/alpine", "latest", None, "registry-1.docker.io"),
        ("index.docker.io/x/y:1", "docker.io", "x/y", "1", None, "registry-1.docker.io"),
        (f"ghcr.io/org/app@{D}", "ghcr.io", "org/app", None, D, "ghcr.io"),
        (f"ghcr.io/org/app:v1@{D}", "ghcr.io", "org/app", "v1", D, "ghcr.io"),
        ("localhost/foo", "localhost", "foo", "latest", None, "localhost"),
        ("localhost:5000/a/b:c", "localhost:5000", "a/b", "c", None, "localhost:5000"),
        ("127.0.0.1:5000/test/x", "127.0.0.1:5000", "test/x", "latest", None, "127.0.0.1:5000"),
        ("[::1]:5000/x:1", "[::1]:5000", "x", "1", None, "[::1]:5000"),
        ("registry:5000/x", "registry:5000", "x", "latest", None, "registry:5000"),
        ("Example/foo", "Example", "foo", "latest", None, "Example"),
        ("a.b-c/e__f.g_h--i:TAG_1.0-x", "a.b-c", "e__f.g_h--i", "TAG_1.0-x", None, "a.b-c"),
        ("quay.io/a/b/c/d", "quay.io", "a/b/c/d", "latest", None, "quay.io"),
    ],
)
def test_parses_like_docker(  # noqa: PLR0917
    text: str, domain: str, path: str, tag: str | None, digest: str | None, api_host: str
) -> None:
    ref = parse_reference(text)
    assert (ref.domain, ref.path, ref.tag, ref.digest) == (domain, path, tag, digest)
    assert ref.api_host == api_host
    assert ref.selector == (digest or tag)


def test_str_is_the_canonical_name() -> None:
    assert str(parse_reference("alpine:3.19")) == "docker.io/library/alpine:3.19"
    assert str(parse_reference(f"x/y@{D}")) == f"docker.io/x/y@{D}"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("Alpine", "lowercase"),
        ("docker.io/Org/app", "lowercase"),
        ("alpine:", "tag"),
        ("alpine:-x", "tag"),
        ("alpine:" + "x" * 129, "tag"),
        ("alpine@sha256:abc", "64 lowercase hex"),
        ("alpine@md5:" + "a" * 32, "sha256:<hex>"),
        ("alpine@sha256:" + "A" * 64, "lowercase hex"),
        ("a b", "must look like"),
        ("https://ghcr.io/x", "must look like"),
        ("ghcr.io/", "not valid"),
        ("ghcr.io//x", "not valid"),
        ("foo/-bar", "not valid"),
        ("foo/bar_", "not valid"),
        ("ex_ample.com/x", "host"),
        ("host:99999/x", "port"),
        (":tag", "no repository"),
        ("x/" * 130 + "y", "longer than"),
    ],
)
def test_refuses_bad_references(text: str, fragment: str) -> None:
    with pytest.raises(InputError) as err:
        parse_reference(text)
    assert fragment in str(err.value)
    assert "\n" not in str(err.value)
