"""Extractors for secrets that a single regex cannot delimit.

A Kubernetes ``Secret`` manifest holds its credentials as the values under ``data:``
(base64) and ``stringData:`` (plain); the rule fires once per non-placeholder value, on
that value's line.  The extractor reads YAML line by line instead of parsing it: images
hold hostile files and a real YAML parser would build the whole document in memory.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping

from hullcheck.secrets.validators import basic_credentials, k8s_secret_value

Span = tuple[int, int]
Finder = Callable[[bytes], Iterator[Span]]

_DOC_SPLIT = re.compile(rb"(?m)^---[^\n]*$")
_KIND_SECRET = re.compile(rb"(?m)^kind:\s*[\"']?Secret[\"']?\s*$")
_BLOCK = re.compile(rb"(?m)^(data|stringData):\s*$")
_ENTRY = re.compile(rb"([ \t]+)[\"']?[\w.\-]+[\"']?:[ \t]*(?P<value>\S[^\n]*?)[ \t]*$")


def kubernetes_secret(data: bytes) -> Iterator[Span]:
    """Spans of the values of ``data``/``stringData`` in every ``kind: Secret`` document."""
    offset = 0
    for doc in _DOC_SPLIT.split(data):
        start_of_doc = data.find(doc, offset) if doc else offset
        offset = start_of_doc + len(doc)
        if not _KIND_SECRET.search(doc):
            continue
        for block in _BLOCK.finditer(doc):
            plain = block.group(1) == b"stringData"
            pos = block.end() + 1
            indent: bytes | None = None
            while pos < len(doc):
                eol = doc.find(b"\n", pos)
                eol = len(doc) if eol < 0 else eol
                line = doc[pos:eol]
                m = _ENTRY.fullmatch(line)
                if not line.strip():
                    pos = eol + 1
                    continue
                if m is None or (indent is not None and m.group(1) != indent):
                    break
                indent = m.group(1)
                value = m.group("value")
                check = basic_credentials if plain else k8s_secret_value
                if value not in (b"|", b">") and check(value.strip(b"\"'")):
                    yield start_of_doc + pos + m.start("value"), start_of_doc + pos + m.end("value")
                pos = eol + 1


FINDERS: Mapping[str, Finder] = {"kubernetes-secret": kubernetes_secret}
"""Finders by name, as rules refer to them."""
