"""Word-level lexing of instruction arguments, as BuildKit does it.

Flags (``--mount=type=cache,target=/x``), ``ENV``/``LABEL``/``ARG`` name-value words,
and ``$VAR`` / ``${VAR:-default}`` substitution.  Nothing here knows about lines;
the parser hands in one logical instruction line at a time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_SPACE = " \t\v\f\r\n"
_WHITESPACE = re.compile(r"[\t\v\f\r ]+")


def split_ws(text: str, maxsplit: int = 0) -> list[str]:
    """Split on BuildKit's whitespace (ASCII only: a no-break space is part of a word)."""
    stripped = text.strip(" \t\v\f\r\n")
    if not stripped:
        return []
    return _WHITESPACE.split(stripped, maxsplit)


def split_flags(text: str) -> tuple[list[str], str]:
    """Split leading ``--flag[=value]`` words off ``text``; return (flags, rest).

    Quotes inside a flag word are removed and a backslash escapes the next character,
    as BuildKit's ``extractBuilderFlags`` does.  A bare ``--`` ends the flags.
    """
    flags: list[str] = []
    pos = 0
    n = len(text)
    while True:
        while pos < n and text[pos] in _SPACE:
            pos += 1
        if pos >= n - 1 or text[pos] != "-" or text[pos + 1] != "-":
            return flags, text[pos:]
        word: list[str] = []
        quote = ""
        blank_ok = False
        while pos < n:
            ch = text[pos]
            if quote:
                if ch == quote:
                    quote = ""
                elif ch == "\\" and pos + 1 < n:
                    pos += 1
                    word.append(text[pos])
                else:
                    word.append(ch)
            elif ch in _SPACE:
                break
            elif ch in "'\"":
                quote = ch
                blank_ok = True
            elif ch == "\\":
                if pos + 1 < n:
                    pos += 1
                    word.append(text[pos])
            else:
                word.append(ch)
            pos += 1
        joined = "".join(word)
        if joined == "--":
            return flags, text[pos:].lstrip(_SPACE)
        if blank_ok or joined:
            flags.append(joined)


def split_words(text: str, escape: str = "\\") -> list[str]:
    """Split on whitespace outside quotes, keeping quotes and escapes in the words.

    This is BuildKit's ``parseWords``: ``ENV a="x y" b=c`` gives ``a="x y"`` and ``b=c``.
    """
    if "'" not in text and '"' not in text and escape not in text:
        return text.split()  # the common case, in C
    words: list[str] = []
    word: list[str] = []
    in_word = False
    blank_ok = False
    quote = ""
    pos = 0
    n = len(text)
    while pos < n:
        ch = text[pos]
        if quote:
            if ch == quote:
                quote = ""
            elif ch == escape and quote != "'":
                if pos + 1 == n:
                    pos += 1
                    continue
                word.append(ch)
                pos += 1
                ch = text[pos]
            word.append(ch)
        elif ch in _SPACE:
            if in_word and (blank_ok or word):
                words.append("".join(word))
            word = []
            in_word = False
            blank_ok = False
        else:
            in_word = True
            if ch in "'\"":
                quote = ch
                blank_ok = True
            elif ch == escape:
                if pos + 1 == n:
                    pos += 1
                    continue
                word.append(ch)
                pos += 1
                ch = text[pos]
            word.append(ch)
        pos += 1
    if in_word and (blank_ok or word):
        words.append("".join(word))
    return words


def unquote(word: str, escape: str = "\\", dollar_quotes: bool = False) -> str:
    """Remove shell-style quotes and escapes from one word (no variable expansion).

    With ``dollar_quotes``, the ``$`` of bash's ``$'...'`` and ``$"..."`` is dropped too.
    """
    if "'" not in word and '"' not in word and escape not in word:
        return word
    out: list[str] = []
    quote = ""
    pos = 0
    n = len(word)
    while pos < n:
        ch = word[pos]
        if quote == "'":
            if ch == "'":
                quote = ""
            else:
                out.append(ch)
        elif quote == '"':
            if ch == '"':
                quote = ""
            elif ch == escape and pos + 1 < n and word[pos + 1] in f'"{escape}$`':
                pos += 1
                out.append(word[pos])
            else:
                out.append(ch)
        elif ch in "'\"":
            quote = ch
        elif ch == escape and pos + 1 < n:
            pos += 1
            out.append(word[pos])
        elif dollar_quotes and ch == "$" and pos + 1 < n and word[pos + 1] in "'\"":
            pass
        else:
            out.append(ch)
        pos += 1
    return "".join(out)


def parse_flag(flag: str) -> tuple[str, str | None]:
    """``--mount=type=cache`` -> (``mount``, ``type=cache``); ``--link`` -> (``link``, None)."""
    body = flag[2:] if flag.startswith("--") else flag
    name, sep, value = body.partition("=")
    return name.lower(), (value if sep else None)


def parse_kv_list(value: str) -> dict[str, str]:
    """Read ``type=cache,target=/root/.cache,sharing=locked`` (csv of key[=value])."""
    out: dict[str, str] = {}
    for part in _split_csv(value):
        key, sep, val = part.partition("=")
        key = key.strip().lower()
        if key:
            out[key] = val.strip() if sep else ""
    return out


def _split_csv(value: str) -> list[str]:
    parts: list[str] = []
    cur: list[str] = []
    quote = ""
    for ch in value:
        if quote:
            if ch == quote:
                quote = ""
            else:
                cur.append(ch)
        elif ch in "'\"":
            quote = ch
        elif ch == ",":
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


def _is_name_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def expand(text: str, env: Mapping[str, str | None], escape: str = "\\") -> str:
    """Substitute ``$VAR``, ``${VAR}``, ``${VAR:-w}``, ``${VAR-w}``, ``${VAR:+w}``, ``${VAR+w}``.

    Unset variables become empty, as in BuildKit.  Single-quoted text is left alone
    and an escaped ``$`` stays literal.  Quotes themselves are kept (callers unquote).
    """
    if "$" not in text:
        return text
    out: list[str] = []
    pos = 0
    n = len(text)
    in_single = False
    while pos < n:
        ch = text[pos]
        if ch == "'" and not in_single:
            in_single = True
            out.append(ch)
        elif ch == "'" and in_single:
            in_single = False
            out.append(ch)
        elif in_single:
            out.append(ch)
        elif ch == escape and pos + 1 < n:
            out.append(text[pos : pos + 2])
            pos += 1
        elif ch == "$" and pos + 1 < n:
            nxt = text[pos + 1]
            if nxt == "{":
                end = _matching_brace(text, pos + 2)
                if end < 0:
                    out.append(text[pos:])
                    break
                out.append(_expand_braced(text[pos + 2 : end], env, escape))
                pos = end
            elif _is_name_char(nxt):
                end = pos + 1
                while end < n and _is_name_char(text[end]):
                    end += 1
                out.append(env.get(text[pos + 1 : end]) or "")
                pos = end - 1
            else:
                out.append(ch)
        else:
            out.append(ch)
        pos += 1
    return "".join(out)


_REFERENCE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(:?[-+?])?|([A-Za-z_][A-Za-z0-9_]*))")


def unresolved(text: str, env: Mapping[str, str | None]) -> list[str]:
    """Variables ``text`` uses that have no value and no ``${VAR:-default}`` fallback."""
    out: list[str] = []
    for match in _REFERENCE.finditer(text):
        name = match.group(1) or match.group(3)
        if env.get(name) is None and match.group(2) not in (":-", "-"):
            out.append(name)
    return out


def _matching_brace(text: str, start: int) -> int:
    depth = 1
    pos = start
    while pos < len(text):
        if text[pos] == "{":
            depth += 1
        elif text[pos] == "}":
            depth -= 1
            if depth == 0:
                return pos
        pos += 1
    return -1


def _expand_braced(inner: str, env: Mapping[str, str | None], escape: str) -> str:
    end = 0
    while end < len(inner) and _is_name_char(inner[end]):
        end += 1
    name, op = inner[:end], inner[end:]
    value = env.get(name)
    if not op:
        return value or ""
    for marker in (":-", ":+", ":?", "-", "+", "?"):
        if op.startswith(marker):
            word = expand(op[len(marker) :], env, escape)
            if marker == ":-":
                return value if value else word
            if marker == "-":
                return value if value is not None else word
            if marker == ":+":
                return word if value else ""
            if marker == "+":
                return word if value is not None else ""
            return value or ""
    # ${VAR#pattern}, ${VAR%pattern}, ${VAR/a/b}: we cannot know; keep the value
    return value or ""
