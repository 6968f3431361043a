"""The JSON types of an image config's fields, checked as Docker and containerd read them.

A config whose ``Env`` is a string or whose ``User`` is a number cannot be loaded by
Docker (``json: cannot unmarshal ...``) nor by containerd: the image cannot run, and
hullcheck cannot say who it would run as or with what environment.  Such a config is
refused with one ``ImageError`` naming the field, its type and the type wanted.

One shape is accepted with a warning: ``Cmd``, ``Entrypoint`` and ``Shell`` as a single
string.  Docker reads them through its ``StrSlice`` type, which takes a string as a
one-element list (and runs the image); containerd's OCI types refuse it.  ``null`` is
always accepted (Go reads it as the zero value), and so are fields nobody defines.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hullcheck.errors import ImageError

__all__ = ["check_config_types"]

_WHO = "Docker and containerd cannot load this image"


def _type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "null"


def _is_str(v: Any) -> bool:
    return isinstance(v, str)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_str_list(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def _is_str_map(v: Any) -> bool:
    return isinstance(v, dict) and all(isinstance(x, str) for x in v.values())


def _is_set(v: Any) -> bool:
    # ExposedPorts / Volumes: {"80/tcp": {}}; Go reads each value into struct{}
    return isinstance(v, dict) and all(x is None or isinstance(x, dict) for x in v.values())


def _is_obj(v: Any) -> bool:
    return isinstance(v, dict)


def _is_list(v: Any) -> bool:
    return isinstance(v, list)


def _is_bool(v: Any) -> bool:
    return isinstance(v, bool)


_Check = tuple[Callable[[Any], bool], str]

_CONFIG: dict[str, _Check] = {
    "User": (_is_str, "a string"),
    "Env": (_is_str_list, "a list of strings"),
    "Entrypoint": (_is_str_list, "a list of strings"),
    "Cmd": (_is_str_list, "a list of strings"),
    "Shell": (_is_str_list, "a list of strings"),
    "WorkingDir": (_is_str, "a string"),
    "StopSignal": (_is_str, "a string"),
    "Labels": (_is_str_map, "an object of strings"),
    "ExposedPorts": (_is_set, "an object"),
    "Volumes": (_is_set, "an object"),
    "Healthcheck": (_is_obj, "an object"),
    "OnBuild": (_is_str_list, "a list of strings"),
    "ArgsEscaped": (_is_bool, "a boolean"),
}
_STRSLICE = frozenset({"Entrypoint", "Cmd", "Shell"})
_HEALTH: dict[str, _Check] = {
    "Test": (_is_str_list, "a list of strings"),
    "Interval": (_is_int, "an integer (nanoseconds)"),
    "Timeout": (_is_int, "an integer (nanoseconds)"),
    "StartPeriod": (_is_int, "an integer (nanoseconds)"),
    "StartInterval": (_is_int, "an integer (nanoseconds)"),
    "Retries": (_is_int, "an integer"),
}
_TOP: dict[str, _Check] = {
    "created": (_is_str, "a string"),
    "author": (_is_str, "a string"),
    "architecture": (_is_str, "a string"),
    "os": (_is_str, "a string"),
    "variant": (_is_str, "a string"),
    "config": (_is_obj, "an object"),
    "rootfs": (_is_obj, "an object"),
    "history": (_is_list, "a list"),
}
_HISTORY: dict[str, _Check] = {
    "created": (_is_str, "a string"),
    "created_by": (_is_str, "a string"),
    "author": (_is_str, "a string"),
    "comment": (_is_str, "a string"),
    "empty_layer": (_is_bool, "a boolean"),
}


def _refuse(field: str, value: Any, wanted: str) -> ImageError:
    """The error naming the field, or the first element of a list or object that is
    of the wrong type (``config.Env[1] is a number``)."""
    if wanted.endswith(" strings"):
        items = (
            enumerate(value)
            if isinstance(value, list) and wanted.startswith("a list")
            else value.items()
            if isinstance(value, dict) and wanted.startswith("an object")
            else ()
        )
        for key, item in items:
            if not isinstance(item, str):
                where = f"[{key}]" if isinstance(key, int) else f"[{str(key)[:80]!r}]"
                field, value, wanted = field + where, item, "a string"
                break
    return ImageError(f"image config: {field} is {_type(value)}, not {wanted} ({_WHO})")


def _fields(doc: dict[str, Any], checks: dict[str, _Check], where: str) -> None:
    for key, (ok, wanted) in checks.items():
        value = doc.get(key)
        if value is not None and not ok(value):
            raise _refuse(f"{where}{key}", value, wanted)


def check_config_types(doc: dict[str, Any]) -> list[str]:
    """Raise ``ImageError`` on a field Docker and containerd would refuse; return the
    warnings for shapes only Docker accepts."""
    warnings: list[str] = []
    _fields(doc, _TOP, "")
    cfg = doc.get("config")
    if isinstance(cfg, dict):
        for key, (ok, wanted) in _CONFIG.items():
            value = cfg.get(key)
            if value is None or ok(value):
                continue
            if key in _STRSLICE and isinstance(value, str):
                warnings.append(
                    f"image config: config.{key} is a string, not a list of strings; read "
                    "as a one-element list, as Docker does (containerd refuses this image)"
                )
                continue
            raise _refuse(f"config.{key}", value, wanted)
        health = cfg.get("Healthcheck")
        if isinstance(health, dict):
            _fields(health, _HEALTH, "config.Healthcheck.")
    rootfs = doc.get("rootfs")
    if isinstance(rootfs, dict):
        _fields(rootfs, {"type": (_is_str, "a string")}, "rootfs.")
        diff_ids = rootfs.get("diff_ids")
        if diff_ids is not None and not _is_str_list(diff_ids):
            raise _refuse("rootfs.diff_ids", diff_ids, "a list of digest strings")
    history = doc.get("history")
    if isinstance(history, list):
        for i, entry in enumerate(history):
            if not isinstance(entry, dict):
                raise _refuse(f"history[{i}]", entry, "an object")
            _fields(entry, _HISTORY, f"history[{i}].")
    return warnings
