"""Account checks read from the image's files: each with a case that fires and a near miss."""

from __future__ import annotations

from pathlib import Path

from hullcheck.imagerules.accounts import nopasswd_lines
from tests.fixtures.imagebuilder import Dir, File, Layer, Whiteout

from .helpers import base_layer, by_rule, rule_ids, scan

SHADOW = b"root:*:19000:0:99999:7:::\napp:!:19000:0:99999:7:::\n"


def test_empty_shadow_password_fires_locked_does_not(tmp_path: Path) -> None:
    bad = SHADOW + b"guest::19000:0:99999:7:::\n"
    (f,) = by_rule(scan(tmp_path / "a", [base_layer(File("etc/shadow", bad))]), "HC8008")
    assert f.location.file == "/etc/shadow" and "guest" in f.message
    assert f.extra["line"] == 3
    # near miss: locked ("!", "*", "!*") accounts and a hash
    ok = SHADOW + b"svc:!*:19000::::::\nbob:$6$salt$hash:19000::::::\n"
    assert "HC8008" not in rule_ids(scan(tmp_path / "b", [base_layer(File("etc/shadow", ok))]))


def test_empty_password_in_passwd_without_shadow(tmp_path: Path) -> None:
    passwd = b"root:x:0:0::/root:/bin/sh\nkiosk::1000:1000::/home/k:/bin/sh\n"
    layers = [base_layer(), Layer([Dir("etc"), File("etc/passwd", passwd)])]
    (f,) = by_rule(scan(tmp_path, layers, config={"User": "kiosk"}), "HC8008")
    assert f.location.file == "/etc/passwd" and f.location.layer_index == 1


def test_duplicate_uid_gid_and_second_root(tmp_path: Path) -> None:
    passwd = (
        b"root:x:0:0::/root:/bin/sh\ntoor:x:0:0::/root:/bin/sh\n"
        b"app:x:10001:10001::/home/app:/bin/sh\napp2:x:10001:10001::/:/bin/sh\n"
    )
    group = b"root:x:0:\nstaff:x:50:\nwheel:x:50:\n"
    layers = [
        base_layer(),
        Layer([Dir("etc"), File("etc/passwd", passwd), File("etc/group", group)]),
    ]
    report = scan(tmp_path, layers)
    (root2,) = by_rule(report, "HC8010")
    assert root2.extra["account"] == "toor"
    dups = {f.location.file: f for f in by_rule(report, "HC8009")}
    assert set(dups) == {"/etc/passwd", "/etc/group"}
    assert dups["/etc/passwd"].extra["names"] == ["app", "app2"]
    assert dups["/etc/group"].extra["names"] == ["staff", "wheel"]


def test_unique_ids_are_quiet(tmp_path: Path) -> None:
    group = b"root:x:0:\nstaff:x:50:\napp:x:10001:\n"
    report = scan(tmp_path, [base_layer(File("etc/group", group))])
    assert not {"HC8009", "HC8010"} & rule_ids(report)


def test_nopasswd_in_sudoers_d(tmp_path: Path) -> None:
    grant = b"# app may restart\napp ALL=(ALL) \\\n    NOPASSWD: ALL\n"
    layers = [
        base_layer(
            File("etc/sudoers", b"root ALL=(ALL:ALL) ALL\n#includedir /etc/sudoers.d\n"),
            Dir("etc/sudoers.d"),
            File("etc/sudoers.d/app", grant),
            File("etc/sudoers.d/old", b"app ALL=(ALL) NOPASSWD: ALL\n"),
        ),
        Layer([Dir("etc"), Dir("etc/sudoers.d"), Whiteout("etc/sudoers.d/old")]),
    ]
    (f,) = by_rule(scan(tmp_path, layers), "HC8011")
    assert f.location.file == "/etc/sudoers.d/app" and f.extra["line"] == 2


def test_nopasswd_near_misses() -> None:
    assert nopasswd_lines(b"# app ALL=(ALL) NOPASSWD: ALL\n") == []
    assert nopasswd_lines(b"app ALL=(ALL) PASSWD: ALL\n") == []
    assert nopasswd_lines(b"Defaults env_keep += NOPASSWD_HINT\n") == []
    assert nopasswd_lines(b"%wheel ALL=(ALL) NOPASSWD : ALL\n") == [
        (1, "%wheel ALL=(ALL) NOPASSWD : ALL")
    ]
