"""Every SBOM format renders whatever a hostile image makes the catalogers produce: odd
unicode, NULs, control characters, huge strings in names, versions, licences and
namespaces.  Rendering never raises, the JSON formats stay valid JSON that reads back."""

from __future__ import annotations

import json
import warnings

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hullcheck import sbom
from hullcheck.catalog.base import Distro
from hullcheck.catalog.inventory import Inventory, Target
from hullcheck.catalog.purls import make_purl
from hullcheck.catalog.sbom_input import parse_sbom
from hullcheck.model import Package

from .mutations import bounded, examples

TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=40
) | st.sampled_from(["", " ", "\x00", "a" * 5000, "\u202e", "../../x", "%00", "@", "?#&="])


@st.composite
def packages(draw: st.DrawFn) -> Package:
    type_ = draw(st.sampled_from(["deb", "apk", "rpm", "npm", "pypi", "golang", "maven"]))
    name = draw(TEXT.filter(bool))
    version = draw(TEXT)
    namespace = draw(st.none() | TEXT.filter(bool))
    try:
        purl = make_purl(type_, name, version or None, namespace, {"arch": draw(TEXT)})
    except ValueError:
        purl = f"pkg:{type_}/x@1"
    return Package(
        name=name,
        version=version,
        type=draw(st.sampled_from([type_, "python", "go-module", "java-archive"])),
        purl=purl,
        licenses=tuple(draw(st.lists(TEXT, max_size=3))),
        source_name=draw(TEXT),
        source_version=draw(TEXT),
    )


@pytest.mark.parametrize("fmt", sbom.FORMATS)
@given(
    pkgs=st.lists(packages(), min_size=0, max_size=4),
    distro_id=TEXT,
    target=TEXT.filter(bool),
)
@examples(40)
def test_every_format_renders_hostile_packages(
    fmt: str, pkgs: list[Package], distro_id: str, target: str
) -> None:
    distro = Distro(id=distro_id, version_id="1", pretty_name=distro_id) if distro_id else None
    inventory = Inventory(Target("image", target, "sha256:" + "0" * 64), tuple(pkgs), distro)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a Python warning would be extra stderr lines
        text = bounded(lambda: sbom.render(inventory, fmt), seconds=10)
    assert isinstance(text, str)
    if fmt in ("cyclonedx-json", "spdx-json"):
        back = parse_sbom(text.encode(), "round-trip")
        assert len(back.packages) <= len(pkgs)
    elif fmt == "json":
        assert len(json.loads(text)["packages"]) == len(pkgs)
