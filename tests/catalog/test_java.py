from __future__ import annotations

import io
import zipfile

import pytest

from hullcheck.catalog import java
from hullcheck.catalog.base import CatalogContext

from .helpers import ref


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buf.getvalue()


POM = b"#Generated\ngroupId=org.apache.logging.log4j\nartifactId=log4j-core\nversion=2.14.1\n"


def test_pom_properties_and_nested_war() -> None:
    inner = _zip({"META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties": POM})
    plain = _zip({"META-INF/MANIFEST.MF": b"Manifest-Version: 1.0\r\nImplementation-Title: x\r\n"})
    war = _zip(
        {"WEB-INF/lib/log4j-core-2.14.1.jar": inner, "WEB-INF/lib/commons-io-2.6.jar": plain}
    )
    pkgs = java.parse(ref("/srv/app.war"), war, CatalogContext())
    got = {(p.name, p.version, p.purl) for p in pkgs}
    assert ("log4j-core", "2.14.1", "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1") in got
    # no pom.properties: the file name gives name and version
    assert ("commons-io", "2.6", "pkg:maven/commons-io/commons-io@2.6") in got
    log4j = next(p for p in pkgs if p.name == "log4j-core")
    assert log4j.files == ("/srv/app.war",)
    assert log4j.metadata["archive"] == "/srv/app.war:WEB-INF/lib/log4j-core-2.14.1.jar"


def test_manifest_fields() -> None:
    jar = _zip(
        {
            "META-INF/MANIFEST.MF": b"Manifest-Version: 1.0\nBundle-SymbolicName: org.x.y;singleton"
            b":=true\nBundle-Version: 3.1.0\nBundle-License: EPL-2.0\n"
        }
    )
    (pkg,) = java.parse(ref("/opt/plugin.jar"), jar, CatalogContext())
    assert (pkg.name, pkg.version, pkg.licenses) == ("org.x.y", "3.1.0", ("EPL-2.0",))


def test_not_a_zip_and_bombs() -> None:
    assert java.parse(ref("/x.jar"), b"not a zip", CatalogContext()) == []
    big = _zip({"META-INF/maven/g/a/pom.properties": b"x" * (java.MAX_MEMBER + 1)})
    with pytest.raises(ValueError):
        java.parse(ref("/bomb.jar"), big, CatalogContext())


def test_wants() -> None:
    assert java.wants("/usr/share/java/foo.jar")
    assert java.wants("/srv/app.war")
    assert not java.wants("/srv/app.zip")
