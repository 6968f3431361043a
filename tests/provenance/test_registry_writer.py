"""The registry writer against a real registry: uploads, mounts, manifests, digests."""

from __future__ import annotations

import pytest

from hullcheck.errors import RegistryError
from hullcheck.sources.digest import digest_of
from hullcheck.sources.mediatypes import OCI_MANIFEST
from hullcheck.sources.reference import parse_reference
from hullcheck.sources.registry.options import RegistryOptions
from hullcheck.sources.registry.writer import RegistryWriter
from tests.provenance.conftest import Pushed

pytestmark = [pytest.mark.registry]


def writer(pushed: Pushed, repo: str) -> RegistryWriter:
    return RegistryWriter(parse_reference(f"{pushed.registry.host}/{repo}"), RegistryOptions())


def test_upload_mount_and_manifest(pushed: Pushed) -> None:
    a, b = writer(pushed, "w/a"), writer(pushed, "w/b")
    try:
        data = b"some blob bytes"
        digest = a.put_blob(data)
        assert digest == digest_of(data) and a.has_blob(digest)
        assert a.read_blob(digest, 100) == data
        assert not b.has_blob(digest)
        assert b.mount_blob(digest, "w/a") is True  # no bytes sent
        assert b.has_blob(digest)
        assert b.mount_blob("sha256:" + "0" * 64, "w/a") is False
        with pytest.raises(RegistryError, match="limit"):
            a.read_blob(digest, 4)
        # a stream whose bytes do not match the digest claimed is refused by the registry
        with pytest.raises(RegistryError):
            b.put_blob_stream("sha256:" + "9" * 64, 3, iter([b"abc"]))
        assert a.manifest("nope") is None
        body = (
            b'{"schemaVersion":2,"mediaType":"%s","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":15,"digest":"%s"},"layers":[]}'
            % (
                OCI_MANIFEST.encode(),
                digest.encode(),
            )
        )
        assert b.put_manifest(body, OCI_MANIFEST, "t1") == digest_of(body)
        got = b.manifest("t1")
        assert got is not None and got.digest == digest_of(body) and got.body == body
        assert b.referrers(digest_of(body)) is None  # distribution 2.8: no referrers API
    finally:
        a.close()
        b.close()
