"""Reading the shared provenance fixtures as they are, byte for byte."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from hullcheck.provenance import cosign

SIGSTORE_JSON_MAGIC = b"\x00sigstore-json\n"


def provenance_dir(shared: Path) -> Path:
    return shared / "provenance"


def signature_layer(path: Path) -> cosign.Layer:
    """A containers/image ``signature-N`` file as the ``.sig`` layer it was read from."""
    raw = path.read_bytes()
    assert raw.startswith(SIGSTORE_JSON_MAGIC)
    doc = json.loads(raw[len(SIGSTORE_JSON_MAGIC) :])
    data = base64.b64decode(doc["payload"])
    return cosign.Layer.of(doc["mimeType"], data, dict(doc.get("annotations") or {}))
