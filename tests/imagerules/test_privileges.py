"""Privileges rules (HC8001-HC8007): each fires on a fixture image, and a near miss does not."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from hullcheck.imagerules.privileges import decode_capabilities
from hullcheck.model import Severity
from tests.fixtures.imagebuilder import Dir, File, Layer, Whiteout

from .helpers import base_layer, by_rule, rule_ids, scan

CAP_NET_RAW = struct.pack("<IIIII", 0x02000001, 1 << 13, 0, 0, 0)
CAP_SYS_ADMIN = struct.pack("<IIIII", 0x02000000, 1 << 21, 0, 0, 0)


@pytest.mark.parametrize("user", ["", "0", "root", "0:0", "root:root"])
def test_root_user_fires(tmp_path: Path, user: str) -> None:
    report = scan(tmp_path, [base_layer()], config={"User": user} if user else {})
    (f,) = by_rule(report, "HC8001")
    assert f.severity is Severity.HIGH
    assert f.extra["user"] == user


@pytest.mark.parametrize("user", ["app", "10001", "app:app", "10001:10001"])
def test_non_root_user_is_not_root(tmp_path: Path, user: str) -> None:
    report = scan(tmp_path, [base_layer()], config={"User": user})
    assert "HC8001" not in rule_ids(report)
    assert "HC8002" not in rule_ids(report)


def test_user_missing_from_passwd(tmp_path: Path) -> None:
    report = scan(tmp_path, [base_layer()], config={"User": "ghost"})
    (f,) = by_rule(report, "HC8002")
    assert f.severity is Severity.MEDIUM and "ghost" in f.message
    assert f.location.file == "/etc/passwd" and f.location.layer_index == 0
    numeric = scan(tmp_path / "n", [base_layer()], config={"User": "4242"})
    (g,) = by_rule(numeric, "HC8002")
    assert g.severity is Severity.LOW and "4242" in g.message


def test_user_added_in_a_later_layer_is_known(tmp_path: Path) -> None:
    passwd = b"root:x:0:0::/root:/bin/sh\nsvc:x:999:999::/:/bin/false\n"
    layers = [base_layer(), Layer([Dir("etc"), File("etc/passwd", passwd)])]
    assert "HC8002" not in rule_ids(scan(tmp_path, layers, config={"User": "svc"}))


def test_unusual_setuid_fires_and_distribution_setuid_does_not(tmp_path: Path) -> None:
    layers = [
        base_layer(
            File("usr/bin/passwd", b"\x7fELF", mode=0o4755),
            File("usr/bin/su", b"\x7fELF", mode=0o4755),
        ),
        Layer(
            [
                Dir("usr"),
                Dir("usr/bin"),
                File("usr/bin/backdoor", b"\x7fELF", mode=0o4755),
                File("usr/bin/grouptool", b"\x7fELF", mode=0o2755, gid=42),
                File("usr/bin/plain", b"\x7fELF", mode=0o755),
            ]
        ),
    ]
    report = scan(tmp_path, layers)
    found = {f.location.file: f for f in by_rule(report, "HC8003")}
    assert set(found) == {"/usr/bin/backdoor", "/usr/bin/grouptool"}
    assert found["/usr/bin/backdoor"].severity is Severity.HIGH
    assert found["/usr/bin/backdoor"].location.layer_index == 1
    assert found["/usr/bin/grouptool"].severity is Severity.MEDIUM
    assert "setgid" in found["/usr/bin/grouptool"].message


def test_setuid_bit_dropped_in_later_layer_is_not_reported(tmp_path: Path) -> None:
    layers = [
        base_layer(File("usr/bin/tool", b"x", mode=0o4755)),
        Layer([Dir("usr"), Dir("usr/bin"), File("usr/bin/tool", b"x", mode=0o755)]),
    ]
    assert "HC8003" not in rule_ids(scan(tmp_path, layers))


def test_world_writable_without_sticky(tmp_path: Path) -> None:
    layers = [
        base_layer(
            Dir("srv"),
            File("srv/config.yml", b"a: 1\n", mode=0o666),
            Dir("srv/shared", mode=0o777),
            Dir("srv/drop", mode=0o1777),
            File("srv/readonly", b"", mode=0o644),
        )
    ]
    found = {f.location.file for f in by_rule(scan(tmp_path, layers), "HC8004")}
    assert found == {"/srv/config.yml", "/srv/shared"}


def test_file_capabilities_from_pax_xattr(tmp_path: Path) -> None:
    layers = [
        base_layer(
            File(
                "usr/bin/ping",
                b"\x7fELF",
                mode=0o755,
                pax={"SCHILY.xattr.security.capability": CAP_NET_RAW},
            ),  # type: ignore[dict-item]
            File(
                "usr/bin/admin",
                b"\x7fELF",
                mode=0o755,
                pax={"SCHILY.xattr.security.capability": CAP_SYS_ADMIN},
            ),  # type: ignore[dict-item]
        )
    ]
    found = {f.location.file: f for f in by_rule(scan(tmp_path, layers), "HC8005")}
    assert set(found) == {"/usr/bin/ping", "/usr/bin/admin"}
    assert found["/usr/bin/ping"].extra["capabilities"] == ["cap_net_raw"]
    assert "(effective)" in found["/usr/bin/ping"].message
    assert found["/usr/bin/ping"].severity is Severity.MEDIUM
    assert found["/usr/bin/admin"].severity is Severity.HIGH


def test_capabilities_removed_by_a_later_version_are_not_reported(tmp_path: Path) -> None:
    cap = {"SCHILY.xattr.security.capability": CAP_NET_RAW}
    layers = [
        base_layer(File("usr/bin/ping", b"\x7fELF", pax=cap)),  # type: ignore[arg-type]
        Layer([Dir("usr"), Dir("usr/bin"), File("usr/bin/ping", b"\x7fELF2")]),
    ]
    assert "HC8005" not in rule_ids(scan(tmp_path, layers))


def test_capabilities_given_back_by_a_third_layer_are_reported_from_it(tmp_path: Path) -> None:
    cap = {"SCHILY.xattr.security.capability": CAP_NET_RAW}
    layers = [
        base_layer(File("usr/bin/ping", b"\x7fELF", pax=cap)),  # type: ignore[arg-type]
        Layer([Dir("usr"), Dir("usr/bin"), File("usr/bin/ping", b"\x7fELF2")]),
        Layer([Dir("usr"), Dir("usr/bin"), File("usr/bin/ping", b"\x7fELF3", pax=cap)]),  # type: ignore[arg-type]
    ]
    (found,) = by_rule(scan(tmp_path, layers), "HC8005")
    assert found.location.file == "/usr/bin/ping"
    assert found.location.layer_index == 2


def test_decode_capabilities_rejects_garbage() -> None:
    assert decode_capabilities(b"\x00" * 4) is None
    assert decode_capabilities(struct.pack("<III", 0x07000000, 1, 0)) is None
    assert decode_capabilities(struct.pack("<III", 0x01000000, 1, 0)) == (["cap_chown"], False)


def test_sshd_and_sudo(tmp_path: Path) -> None:
    layers = [
        base_layer(Dir("usr/sbin"), File("usr/sbin/sshd", b"\x7fELF")),
        Layer([Dir("usr"), Dir("usr/bin"), File("usr/bin/sudo", b"\x7fELF", mode=0o4755)]),
    ]
    found = {f.location.file: f for f in by_rule(scan(tmp_path, layers), "HC8006")}
    assert set(found) == {"/usr/sbin/sshd", "/usr/bin/sudo"}
    assert found["/usr/bin/sudo"].location.layer_index == 1


def test_sshd_removed_later_is_not_reported(tmp_path: Path) -> None:
    layers = [
        base_layer(Dir("usr/sbin"), File("usr/sbin/sshd", b"\x7fELF")),
        Layer([Whiteout("usr/sbin/sshd")]),
    ]
    assert "HC8006" not in rule_ids(scan(tmp_path, layers))


def test_expose_22(tmp_path: Path) -> None:
    cfg = {"User": "app", "ExposedPorts": {"22/tcp": {}, "8080/tcp": {}}}
    (f,) = by_rule(scan(tmp_path, [base_layer()], config=cfg), "HC8007")
    assert "22/tcp" in f.message and "8080" not in f.message
    near = {"User": "app", "ExposedPorts": {"2222/tcp": {}, "220/tcp": {}}}
    assert "HC8007" not in rule_ids(scan(tmp_path / "n", [base_layer()], config=near))
