from __future__ import annotations

import json
from pathlib import Path

import pytest

from hullcheck.catalog.sbom_input import is_sbom_file, parse_sbom, read_sbom
from hullcheck.errors import InputError

# Shapes copied from syft 1.18.1's CycloneDX and SPDX output on the python-npm test image.
SYFT_CDX = {
    "bomFormat": "CycloneDX",
    "specVersion": "1.6",
    "metadata": {
        "component": {
            "bom-ref": "29aea5712a19d849",
            "type": "container",
            "name": "python-npm",
            "version": "sha256:" + "e6" * 32,
        }
    },
    "components": [
        {
            "bom-ref": "pkg:deb/debian/bash@5.2.15-2%2Bb13?package-id=5",
            "type": "library",
            "name": "bash",
            "version": "5.2.15-2+b13",
            "licenses": [{"license": {"id": "GPL-3.0-only"}}, {"license": {"name": "permissive"}}],
            "purl": "pkg:deb/debian/bash@5.2.15-2%2Bb13?arch=amd64&distro=debian-12"
            "&upstream=bash%405.2.15-2",
            "properties": [
                {"name": "syft:package:foundBy", "value": "dpkg-db-cataloger"},
                {"name": "syft:location:0:layerID", "value": "sha256:c69e"},
                {"name": "syft:location:0:path", "value": "/usr/share/doc/bash/copyright"},
                {"name": "syft:location:1:path", "value": "/var/lib/dpkg/status"},
                {"name": "syft:metadata:source", "value": "bash"},
                {"name": "syft:metadata:sourceVersion", "value": "5.2.15-2"},
            ],
        },
        {
            "type": "operating-system",
            "name": "debian",
            "version": "12",
            "description": "Debian GNU/Linux 12 (bookworm)",
        },
        {"type": "library", "name": "no-purl", "version": "1"},
    ],
}

SYFT_SPDX = {
    "spdxVersion": "SPDX-2.3",
    "name": "python-npm",
    "packages": [
        {
            "name": "gcc-12-base",
            "SPDXID": "SPDXRef-Package-deb-gcc-12-base-1",
            "versionInfo": "12.2.0-14+deb12u1",
            "licenseDeclared": "NOASSERTION",
            "externalRefs": [
                {
                    "referenceCategory": "PACKAGE-MANAGER",
                    "referenceType": "purl",
                    "referenceLocator": "pkg:deb/debian/gcc-12-base@12.2.0-14%2Bdeb12u1"
                    "?arch=amd64&distro=debian-12&upstream=gcc-12",
                }
            ],
        },
        {
            "name": "python-npm",
            "SPDXID": "SPDXRef-DocumentRoot-Image-python-npm",
            "versionInfo": "sha256:" + "e6" * 32,
            "primaryPackagePurpose": "CONTAINER",
        },
    ],
    "relationships": [
        {
            "spdxElementId": "SPDXRef-DOCUMENT",
            "relatedSpdxElement": "SPDXRef-DocumentRoot-Image-python-npm",
            "relationshipType": "DESCRIBES",
        }
    ],
}


def test_syft_cyclonedx() -> None:
    inv = parse_sbom(json.dumps(SYFT_CDX).encode())
    assert inv.target.digest == "sha256:" + "e6" * 32
    assert inv.distro is not None
    assert inv.distro.pretty_name.startswith("Debian")
    (bash,) = inv.packages
    assert (bash.type, bash.name, bash.version) == ("deb", "bash", "5.2.15-2+b13")
    assert (bash.source_name, bash.source_version) == ("bash", "5.2.15-2")
    assert bash.files == ("/usr/share/doc/bash/copyright", "/var/lib/dpkg/status")
    assert bash.licenses == ("GPL-3.0-only", "permissive")


def test_syft_spdx_source_from_upstream_and_distro_from_purl() -> None:
    inv = parse_sbom(json.dumps(SYFT_SPDX).encode())
    (gcc,) = inv.packages
    assert (gcc.source_name, gcc.source_version) == ("gcc-12", "12.2.0-14+deb12u1")
    assert gcc.licenses == ()
    assert inv.distro is not None
    assert inv.distro.purl_qualifier == "debian-12"
    assert inv.target.name == "python-npm"


@pytest.mark.parametrize(
    "data",
    [b"not json", b"[]", b'{"bomFormat": "Other"}', b"[" * 50000],
)
def test_bad_input_is_one_clear_error(data: bytes) -> None:
    with pytest.raises(InputError):
        parse_sbom(data)


def test_files(tmp_path: Path) -> None:
    sbom = tmp_path / "bom.json"
    sbom.write_text(json.dumps(SYFT_CDX))
    assert is_sbom_file(sbom)
    assert len(read_sbom(sbom).packages) == 1
    other = tmp_path / "x.json"
    other.write_text("{}")
    # any JSON object is read as an SBOM candidate: parsing it says why it is not one
    assert is_sbom_file(other)
    with pytest.raises(InputError, match="neither CycloneDX JSON"):
        read_sbom(other)
    tarball = tmp_path / "x.tar"
    tarball.write_bytes(b"etc/\0" + b"\0" * 600)
    assert not is_sbom_file(tarball)
    with pytest.raises(InputError):
        read_sbom(tmp_path / "missing.json")
