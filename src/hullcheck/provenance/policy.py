"""The ``provenance:`` section of ``.hullcheck.yaml``: what a scanned image must prove.

::

    provenance:
      require-signature: true            # a cosign signature by one of `keys`
      keys: [keys/release.pub]           # paths relative to the config file
      identities:                        # keyless signers (sigstore): issuer + subject
        - {issuer: https://token.actions.githubusercontent.com, subject: https://github.com/acme/app/...}
      trusted-root: sigstore/trusted_root.json   # what keyless signatures chain to
      require-attestations: [slsa, sbom] # signed (cosign .att) or covered by a signed index
      trusted-registries: [registry.example.com, ghcr.io/acme]

Unknown keys are errors: a typo must not silently switch a requirement off.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hullcheck.errors import ConfigError

_KEYS = frozenset(
    {
        "require-signature",
        "keys",
        "identities",
        "trusted-root",
        "require-attestations",
        "trusted-registries",
    }
)
ATTESTATION_KINDS = ("slsa", "sbom", "scan")


@dataclass(frozen=True, slots=True)
class Identity:
    issuer: str
    subject: str


@dataclass(frozen=True, slots=True)
class ProvenancePolicy:
    require_signature: bool = False
    keys: tuple[Path, ...] = ()
    identities: tuple[Identity, ...] = ()
    trusted_root: Path | None = None
    require_attestations: tuple[str, ...] = ()
    trusted_registries: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return bool(
            self.require_signature
            or self.keys
            or self.identities
            or self.require_attestations
            or self.trusted_registries
        )


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{where} must be a list of strings")
    return tuple(value)


def parse_policy(
    section: Any, config_path: str | None, fallback_registries: tuple[str, ...] = ()
) -> ProvenancePolicy:
    """Read the section (``None`` means no requirements beyond ``fallback_registries``)."""
    where = f"{config_path or 'config'}: provenance"
    if section is None:
        return ProvenancePolicy(trusted_registries=fallback_registries)
    if not isinstance(section, Mapping):
        raise ConfigError(f"{where} must be a mapping")
    unknown = sorted(str(k) for k in section if k not in _KEYS)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(_KEYS))})"
        )
    require = section.get("require-signature", False)
    if not isinstance(require, bool):
        raise ConfigError(f"{where}.require-signature must be true or false")
    base = Path(config_path).parent if config_path else Path.cwd()
    keys = tuple(
        (p if p.is_absolute() else base / p)
        for p in (Path(k) for k in _strings(section.get("keys"), f"{where}.keys"))
    )
    identities = []
    raw_ids = section.get("identities") or []
    if not isinstance(raw_ids, list):
        raise ConfigError(f"{where}.identities must be a list of {{issuer, subject}}")
    for item in raw_ids:
        if (
            not isinstance(item, Mapping)
            or not isinstance(item.get("issuer"), str)
            or not isinstance(item.get("subject"), str)
        ):
            raise ConfigError(f"{where}.identities entries need issuer and subject strings")
        identities.append(Identity(item["issuer"], item["subject"]))
    kinds = _strings(section.get("require-attestations"), f"{where}.require-attestations")
    for kind in kinds:
        if kind not in ATTESTATION_KINDS:
            raise ConfigError(
                f"{where}.require-attestations: unknown kind {kind!r} "
                f"(known: {', '.join(ATTESTATION_KINDS)})"
            )
    if require and not keys and not identities:
        raise ConfigError(f"{where}: require-signature needs keys or identities to verify with")
    root_text = section.get("trusted-root")
    if root_text is not None and not isinstance(root_text, str):
        raise ConfigError(f"{where}.trusted-root must be a path")
    trusted_root = None
    if root_text:
        trusted_root = Path(root_text) if Path(root_text).is_absolute() else base / root_text
    if identities and trusted_root is None:
        raise ConfigError(f"{where}: identities need trusted-root (a sigstore trusted_root.json)")
    registries = _strings(section.get("trusted-registries"), f"{where}.trusted-registries")
    return ProvenancePolicy(
        require, keys, tuple(identities), trusted_root, kinds, registries or fallback_registries
    )
