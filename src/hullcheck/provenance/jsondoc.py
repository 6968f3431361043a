"""A provenance document (envelope, statement, manifest) as a JSON object, or one
``ProvenanceError`` naming it."""

from __future__ import annotations

import json
from typing import Any

from hullcheck.provenance.errors import ProvenanceError


def json_object(data: bytes | dict[str, Any], what: str) -> dict[str, Any]:
    """``data`` parsed (bytes) or as given (already parsed), if it is a JSON object."""
    if isinstance(data, bytes):
        try:
            doc = json.loads(data)
        except (ValueError, UnicodeDecodeError):
            raise ProvenanceError(f"{what} is not JSON") from None
    else:
        doc = data
    if not isinstance(doc, dict):
        raise ProvenanceError(f"{what} is not a JSON object")
    return doc
