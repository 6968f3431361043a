"""Read an SBOM (CycloneDX or SPDX JSON, hullcheck's or syft's) back into packages.

``hullcheck scan`` accepts an SBOM instead of an image: this module turns one into an
:class:`~hullcheck.catalog.inventory.Inventory` with the same ``Package`` objects the
catalogers produce, so matching works the same.  The purl is the source of truth for
type, namespace and qualifiers; the source package comes from hullcheck's or syft's
properties, else from the purl's ``upstream`` qualifier; the distribution from the
``operating-system`` component, else from the ``distro`` qualifier of OS purls.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from packageurl import PackageURL

from hullcheck import diagnostics as diag
from hullcheck.catalog.base import Distro
from hullcheck.catalog.inventory import Inventory, Target
from hullcheck.diagnostics import Diagnostic
from hullcheck.errors import InputError
from hullcheck.model import Package

MAX_SBOM_BYTES = 256 * 1024 * 1024
MAX_COMPONENTS = 500_000
_OS_TYPES = {"deb", "apk", "rpm", "alpm"}
# SPDX 2.3's enum spells it OPERATING_SYSTEM; hullcheck wrote OPERATING-SYSTEM before 0.x
_OS_PURPOSES = frozenset({"OPERATING_SYSTEM", "OPERATING-SYSTEM"})
INCOMPLETE_MARK = "hullcheck: incomplete inventory"
"""How hullcheck marks an SPDX document whose inventory is partial (creator comment)."""


def read_sbom(path: Path) -> Inventory:
    """Read an SBOM file; :class:`InputError` when it is missing, too big or not an SBOM."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_SBOM_BYTES + 1)
    except OSError as err:
        raise InputError(f"{path}: cannot read SBOM: {err.strerror or err}") from None
    if len(data) > MAX_SBOM_BYTES:
        raise InputError(f"{path}: SBOM larger than {MAX_SBOM_BYTES // (1024 * 1024)} MiB")
    return parse_sbom(data, str(path))


def _shape(value: Any) -> str:
    """What a JSON document looked like, for an error that says why it is no SBOM."""
    if isinstance(value, dict):
        keys = [str(k)[:40] for k in list(value)[:8]]
        more = f" and {len(value) - 8} more" if len(value) > 8 else ""
        return f"a JSON object with keys {', '.join(keys) or '(none)'}{more}"
    if isinstance(value, list):
        return f"a JSON array of {len(value)} items"
    return f"a JSON {type(value).__name__}"


def parse_sbom(data: bytes, name: str = "sbom") -> Inventory:
    """Parse CycloneDX or SPDX JSON bytes into an inventory, whatever the key order."""
    if len(data) > MAX_SBOM_BYTES:
        raise InputError(f"{name}: SBOM too large")
    try:
        doc = json.loads(data)
    except RecursionError:
        raise InputError(f"{name}: not an SBOM: JSON nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as err:
        first = str(err).splitlines()[0][:120] if str(err) else type(err).__name__
        raise InputError(f"{name}: not an SBOM: it starts like JSON but is not ({first})") from None
    if not isinstance(doc, dict):
        raise InputError(f"{name}: not an SBOM: {_shape(doc)}")
    if doc.get("bomFormat") == "CycloneDX":
        return _from_cyclonedx(doc, name)
    if str(doc.get("spdxVersion", "")).startswith("SPDX-2"):
        return _from_spdx(doc, name)
    if "spdxVersion" in doc or "@context" in doc:
        found = str(doc.get("spdxVersion") or doc.get("@context"))[:60]
        raise InputError(f"{name}: an SPDX document of a version hullcheck cannot read ({found})")
    raise InputError(
        f'{name}: neither CycloneDX JSON ("bomFormat": "CycloneDX") nor SPDX 2.x JSON '
        f'("spdxVersion"): {_shape(doc)}'
    )


def is_sbom_file(path: Path) -> bool:
    """Whether ``path`` is to be read as an SBOM: a regular file whose first non-blank
    byte opens a JSON object (an image archive is a tar or zip).  Whether it is really
    CycloneDX or SPDX is decided by parsing it (:func:`read_sbom` says what it was)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return head.lstrip(b" \t\r\n\xef\xbb\xbf").startswith(b"{")


# Leading bytes of the compressed forms an image archive may come in (the reader decides).
_ARCHIVE_MAGIC = (b"\x1f\x8b", b"\x28\xb5\x2f\xfd", b"BZh", b"\xfd7zXZ\x00", b"PK\x03\x04")
_KNOWN_MAGIC = (
    (b"\x89PNG", "a PNG image"), (b"%PDF", "a PDF document"), (b"\x7fELF", "an ELF program"),
    (b"SQLite format 3\x00", "an SQLite database"), (b"\xff\xd8\xff", "a JPEG image"),
)  # fmt: skip


def _tar_header(block: bytes) -> bool:
    """Whether ``block`` is a valid tar header (its checksum adds up)."""
    if len(block) < 512:
        return False
    try:
        stored = int(block[148:156].split(b"\0", 1)[0].strip() or b"-1", 8)
    except ValueError:
        return False
    return stored == sum(block[:148]) + 8 * 32 + sum(block[156:512])


def check_image_file(path: Path) -> None:
    """Refuse, in one line that says what it looked like, a regular file given as a
    target that is neither an SBOM (JSON) nor an image archive (tar, or compressed)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return  # the image reader says why it cannot be read
    if not head or _tar_header(head[:512]) or head.startswith(_ARCHIVE_MAGIC):
        return
    what = next((name for magic, name in _KNOWN_MAGIC if head.startswith(magic)), None)
    if what is None:
        try:
            text = head.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is not None and "\0" not in text:
            what = "text"  # never quoted: it may be a .env file full of secrets
        else:
            what = f"binary data starting with {head[:8].hex(' ')}"
    raise InputError(
        f"{path}: neither an image archive (docker-archive or OCI tar) nor an SBOM "
        f"(CycloneDX or SPDX JSON): it looks like {what}"
    )


# -- CycloneDX -----------------------------------------------------------------------------
def _walk_components(items: Any, depth: int = 0) -> Iterator[Mapping[str, Any]]:
    if not isinstance(items, list) or depth > 32:
        return
    for item in items:
        if isinstance(item, dict):
            yield item
            yield from _walk_components(item.get("components"), depth + 1)


def _properties(component: Mapping[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for prop in component.get("properties") or []:
        if isinstance(prop, dict) and isinstance(prop.get("name"), str):
            out.setdefault(prop["name"], str(prop.get("value", "")))
    return out


def _cdx_licenses(component: Mapping[str, Any]) -> tuple[str, ...]:
    out: list[str] = []
    for entry in component.get("licenses") or []:
        if not isinstance(entry, dict):
            continue
        if isinstance(entry.get("expression"), str):
            out.append(entry["expression"])
        lic = entry.get("license")
        if isinstance(lic, dict):
            value = lic.get("id") or lic.get("name")
            if isinstance(value, str):
                out.append(value)
    return tuple(dict.fromkeys(out))


def _indexed(props: Mapping[str, str], prefix: str, suffix: str = "") -> tuple[str, ...]:
    found: list[tuple[int, str]] = []
    for key, value in props.items():
        if key.startswith(prefix) and key.endswith(suffix):
            middle = key[len(prefix) : len(key) - len(suffix)] if suffix else key[len(prefix) :]
            if middle.isdigit():
                found.append((int(middle), value))
    return tuple(v for _, v in sorted(found))


def _from_cyclonedx(doc: Mapping[str, Any], name: str) -> Inventory:
    metadata = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    root = metadata.get("component") if isinstance(metadata, dict) else None
    target = Target(kind="sbom", name=name)
    if isinstance(root, dict) and isinstance(root.get("name"), str):
        version = root.get("version")
        digest = version if isinstance(version, str) and version.startswith("sha256:") else None
        target = Target(kind="sbom", name=root["name"], digest=digest)
    distro: Distro | None = None
    packages: list[Package] = []
    notes: list[Diagnostic] = []
    for item in doc.get("compositions") or []:
        if isinstance(item, dict) and str(item.get("aggregate", "")).startswith("incomplete"):
            notes.append(_incomplete(name, f"compositions aggregate '{item.get('aggregate')}'"))
            break
    for count, comp in enumerate(_walk_components(doc.get("components"))):
        if count >= MAX_COMPONENTS:
            raise InputError(f"{name}: more than {MAX_COMPONENTS} components")
        if comp.get("type") == "operating-system":
            if distro is None and isinstance(comp.get("name"), str):
                distro = Distro(
                    id=comp["name"].lower(),
                    version_id=str(comp.get("version") or ""),
                    pretty_name=str(comp.get("description") or ""),
                )
            continue
        props = _properties(comp)
        files = _indexed(props, "hullcheck:file:") or _indexed(props, "syft:location:", ":path")
        layer_ids = _indexed(props, "syft:location:", ":layerID")
        layer_index = props.get("hullcheck:layer_index")
        pkg = _package(
            purl_text=comp.get("purl"),
            name=comp.get("name"),
            version=comp.get("version"),
            group=comp.get("group"),
            licenses=_cdx_licenses(comp),
            files=files,
            layer_digest=props.get("hullcheck:layer"),
            layer_index=int(layer_index) if layer_index and layer_index.isdigit() else None,
            owner=props.get("hullcheck:os-package"),
            source_name=props.get("hullcheck:source:name") or props.get("syft:metadata:source"),
            source_version=props.get("hullcheck:source:version")
            or props.get("syft:metadata:sourceVersion"),
            cataloger=props.get("hullcheck:cataloger") or props.get("syft:package:foundBy", ""),
            extra={"syft_layer_ids": list(dict.fromkeys(layer_ids))} if layer_ids else {},
        )
        if pkg is not None:
            packages.append(pkg)
    return Inventory(target, tuple(packages), distro or _distro_from_purls(packages), tuple(notes))


def _incomplete(name: str, why: str) -> Diagnostic:
    return diag.error(
        "sbom-incomplete",
        "sbom",
        f"{name}: the SBOM says its inventory is incomplete ({why[:200]})",
        "packages the SBOM's producer could not list",
        name,
    )


# -- SPDX ----------------------------------------------------------------------------------
def _from_spdx(doc: Mapping[str, Any], name: str) -> Inventory:
    raw = doc.get("packages")
    items = [p for p in raw if isinstance(p, dict)] if isinstance(raw, list) else []
    if len(items) > MAX_COMPONENTS:
        raise InputError(f"{name}: more than {MAX_COMPONENTS} packages")
    described = {
        r.get("relatedSpdxElement")
        for r in doc.get("relationships") or []
        if isinstance(r, dict)
        and r.get("relationshipType") == "DESCRIBES"
        and r.get("spdxElementId") == "SPDXRef-DOCUMENT"
    }
    target = Target(kind="sbom", name=str(doc.get("name") or name))
    distro: Distro | None = None
    packages: list[Package] = []
    notes: list[Diagnostic] = []
    info = doc.get("creationInfo")
    comment = info.get("comment") if isinstance(info, dict) else None
    if isinstance(comment, str) and INCOMPLETE_MARK in comment:
        notes.append(_incomplete(name, comment))
    for item in items:
        purpose = item.get("primaryPackagePurpose")
        if item.get("SPDXID") in described or purpose == "CONTAINER":
            version = item.get("versionInfo")
            digest = version if isinstance(version, str) and version.startswith("sha256:") else None
            target = Target(kind="sbom", name=str(item.get("name") or target.name), digest=digest)
            continue
        if purpose in _OS_PURPOSES:
            if distro is None and isinstance(item.get("name"), str):
                distro = Distro(
                    id=item["name"].lower(),
                    version_id=str(item.get("versionInfo") or ""),
                    pretty_name=str(item.get("description") or ""),
                )
            continue
        purl_text = next(
            (
                ref.get("referenceLocator")
                for ref in item.get("externalRefs") or []
                if isinstance(ref, dict) and ref.get("referenceType") == "purl"
            ),
            None,
        )
        declared = item.get("licenseDeclared")
        licenses = (
            (declared,)
            if isinstance(declared, str) and declared not in ("NOASSERTION", "NONE")
            else ()
        )
        pkg = _package(
            purl_text=purl_text,
            name=item.get("name"),
            version=item.get("versionInfo"),
            group=None,
            licenses=licenses,
            files=(),
            layer_digest=None,
            layer_index=None,
            source_name=None,
            source_version=None,
            cataloger="",
            extra={},
        )
        if pkg is not None:
            packages.append(pkg)
    return Inventory(target, tuple(packages), distro or _distro_from_purls(packages), tuple(notes))


# -- shared --------------------------------------------------------------------------------
def _package(
    *,
    purl_text: Any,
    name: Any,
    version: Any,
    group: Any,
    licenses: tuple[str, ...],
    files: tuple[str, ...],
    layer_digest: str | None,
    layer_index: int | None,
    source_name: str | None,
    source_version: str | None,
    cataloger: str,
    extra: dict[str, Any],
    owner: str | None = None,
) -> Package | None:
    """A package from SBOM fields; ``None`` without a parseable purl (it cannot be matched)."""
    if not isinstance(purl_text, str):
        return None
    try:
        purl = PackageURL.from_string(purl_text)
    except ValueError:
        return None
    pkg_name = name if isinstance(name, str) and name else purl.name
    if isinstance(group, str) and group and purl.type == "npm" and "/" not in pkg_name:
        pkg_name = f"{group}/{pkg_name}"
    if purl.type == "npm" and purl.namespace and "/" not in pkg_name:
        pkg_name = f"{purl.namespace}/{pkg_name}"
    pkg_version = version if isinstance(version, str) and version else (purl.version or "")
    quals = purl.qualifiers if isinstance(purl.qualifiers, dict) else {}
    if source_name is None and (upstream := quals.get("upstream")):
        source_name, _, up_version = str(upstream).partition("@")
        source_version = source_version or up_version or None
    if purl.type in _OS_TYPES and source_name is None:
        source_name = pkg_name
    if source_name is not None and not source_version:
        source_version = pkg_version
    return Package(
        owner=owner if isinstance(owner, str) and owner else None,
        name=pkg_name,
        version=pkg_version,
        type=purl.type,
        purl=purl_text,
        licenses=licenses,
        files=files,
        layer_index=layer_index,
        layer_digest=layer_digest,
        source_name=source_name,
        source_version=source_version,
        cataloger=cataloger,
        metadata=extra,
    )


def _distro_from_purls(packages: list[Package]) -> Distro | None:
    for pkg in packages:
        if pkg.type not in _OS_TYPES:
            continue
        try:
            quals = PackageURL.from_string(pkg.purl).qualifiers
        except ValueError:
            continue
        value = quals.get("distro") if isinstance(quals, dict) else None
        if value:
            ident, _, version = str(value).partition("-")
            return Distro(id=ident, version_id=version)
    return None
