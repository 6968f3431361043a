"""Reading an image config's ``history[].created_by`` back into a Dockerfile instruction.

Builders write it differently:

- classic Docker and buildah: ``/bin/sh -c #(nop)  ENV A=b`` for metadata,
  ``/bin/sh -c #(nop) COPY file:3b1c... in /app`` for COPY/ADD, ``/bin/sh -c apt-get ...``
  for RUN, prefixed ``|2 A=b C=d /bin/sh -c ...`` when build args were in scope;
- BuildKit: ``RUN /bin/sh -c apt-get ... # buildkit``, ``RUN |1 A=b /bin/sh -c ...``,
  ``COPY . /app # buildkit``, ``ENV A=b``, ``USER app``, ``EXPOSE map[22/tcp:{}]``;
- other tools (umoci, mmdebstrap, ko...) write free text: no keyword.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hullcheck.sources.image import Image

KEYWORDS = frozenset(
    {
        "ADD",
        "ARG",
        "CMD",
        "COPY",
        "ENTRYPOINT",
        "ENV",
        "EXPOSE",
        "HEALTHCHECK",
        "LABEL",
        "MAINTAINER",
        "ONBUILD",
        "RUN",
        "SHELL",
        "STOPSIGNAL",
        "USER",
        "VOLUME",
        "WORKDIR",
    }
)
_NOP = re.compile(r"^/bin/sh\s+-c\s+#\(nop\)\s*")
_SHELL = re.compile(r"^(?:/bin/(?:ba)?sh|/usr/bin/(?:ba)?sh|sh|bash)\s+-c\s+")
_SHELL_ANY = re.compile(r"(?:^|(?<=\s))(?:/bin/(?:ba)?sh|/usr/bin/(?:ba)?sh|sh|bash)\s+-c\s+")
_BUILD_ARGS = re.compile(r"^\|(\d{1,4})\s+")
_ARG_PAIR = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=")
_BUILDKIT = re.compile(r"\s+#\s*buildkit\s*$")


@dataclass(frozen=True, slots=True)
class ParsedHistory:
    """``keyword`` is upper case, or ``""`` when the entry is not a Dockerfile step."""

    keyword: str
    text: str
    build_args: tuple[tuple[str, str], ...] = ()


def _split_build_args(text: str) -> tuple[tuple[tuple[str, str], ...], str]:
    """``|2 A=b C=d /bin/sh -c cmd`` -> ((A, b), (C, d)), ``/bin/sh -c cmd``."""
    m = _BUILD_ARGS.match(text)
    if m is None:
        return (), text
    count = int(m.group(1))
    rest = text[m.end() :]
    # Values are written unquoted and may hold spaces: each pair runs to the next
    # ``KEY=`` that starts a word, the last one to the shell that follows.
    shell = _SHELL_ANY.search(rest)
    head, tail = (rest[: shell.start()], rest[shell.start() :]) if shell else (rest, "")
    starts = [p for p in _ARG_PAIR.finditer(head) if p.start() == 0 or head[p.start() - 1] == " "]
    pairs: list[tuple[str, str]] = []
    for i, p in enumerate(starts[:count]):
        end = starts[i + 1].start() if i + 1 < len(starts) and i + 1 < count else len(head)
        pairs.append((p.group(1), head[p.end() : end].strip()))
    if shell is None and len(starts) > count:
        tail = head[starts[count].start() :]
    return tuple(pairs), tail


def parse_created_by(created_by: str) -> ParsedHistory:
    text = _BUILDKIT.sub("", created_by.strip())
    nop = _NOP.match(text)
    if nop:
        rest = text[nop.end() :].strip()
        word, _, args = rest.partition(" ")
        if word.upper() in KEYWORDS:
            return ParsedHistory(word.upper(), args.strip())
        return ParsedHistory("", rest)
    word, _, args = text.partition(" ")
    if word in KEYWORDS:  # BuildKit: the keyword as written, upper case
        if word == "RUN":
            build_args, command = _split_build_args(args.strip())
            return ParsedHistory("RUN", _strip_shell(command), build_args)
        return ParsedHistory(word, args.strip())
    build_args, command = _split_build_args(text)
    if _SHELL.match(command):
        return ParsedHistory("RUN", _strip_shell(command), build_args)
    return ParsedHistory("", text, build_args)


def _strip_shell(command: str) -> str:
    m = _SHELL.match(command)
    return command[m.end() :].strip() if m else command.strip()


def env_history_index(image: Image, name: str) -> int | None:
    """The last history entry whose ENV sets ``name`` (for tracing), else None."""
    found = None
    for index, entry in enumerate(image.config.history):
        parsed = parse_created_by(entry.created_by)
        if parsed.keyword == "ENV" and re.search(rf"(?:^|\s){re.escape(name)}[=\s]", parsed.text):
            found = index
    return found
