"""A small inventory every SBOM format test renders."""

from __future__ import annotations

from hullcheck.catalog.base import Distro
from hullcheck.catalog.inventory import Inventory, Target
from hullcheck.model import Package

DIGEST = "sha256:" + "ab" * 32


def sample_inventory() -> Inventory:
    packages = (
        Package(
            name="bsdutils",
            version="1:2.38.1-5+deb12u3",
            type="deb",
            purl="pkg:deb/debian/bsdutils@1:2.38.1-5%2Bdeb12u3?arch=amd64&distro=debian-12"
            "&upstream=util-linux%402.38.1-5%2Bdeb12u3",
            licenses=("GPL-2", "BSD-3-clause", "public-domain"),
            files=("/var/lib/dpkg/status",),
            layer_index=0,
            layer_digest="sha256:" + "01" * 32,
            source_name="util-linux",
            source_version="2.38.1-5+deb12u3",
            cataloger="dpkg",
        ),
        Package(
            name="jinja2",
            version="2.10",
            type="pypi",
            purl="pkg:pypi/jinja2@2.10",
            licenses=("MIT OR Apache-2.0",),
            files=("/venv/lib/python3.11/site-packages/Jinja2-2.10.dist-info/METADATA",),
            layer_index=1,
            layer_digest="sha256:" + "02" * 32,
            cataloger="python",
        ),
        Package(
            name="@babel/core",
            version="7.0.0",
            type="npm",
            purl="pkg:npm/%40babel/core@7.0.0",
            licenses=("MIT",),
            files=("/app/node_modules/@babel/core/package.json",),
            cataloger="npm",
        ),
    )
    return Inventory(
        target=Target(kind="image", name="example:latest", digest=DIGEST),
        packages=packages,
        distro=Distro(id="debian", version_id="12", pretty_name="Debian GNU/Linux 12 (bookworm)"),
    )
