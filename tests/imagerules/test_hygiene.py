"""Layer hygiene rules (HC8101-HC8105) and the efficiency table."""

from __future__ import annotations

import os
from pathlib import Path

from hullcheck.model import Severity
from tests.fixtures.imagebuilder import Dir, File, Layer, Whiteout

from .helpers import base_layer, by_rule, rule_ids, scan


def _apt_layer(*members: object) -> Layer:
    return Layer(
        [
            Dir("var"),
            Dir("var/lib"),
            Dir("var/lib/apt"),
            Dir("var/lib/apt/lists"),
            Dir("var/lib/apt/lists/partial"),
            File("var/lib/apt/lists/lock", b""),
            *members,  # type: ignore[list-item]
        ],
        created_by="RUN /bin/sh -c apt-get update # buildkit",
    )


def test_apt_lists_left_fire(tmp_path: Path) -> None:
    lists = File("var/lib/apt/lists/deb.debian.org_dists_bookworm_InRelease", b"x" * 5000)
    report = scan(tmp_path, [base_layer(), _apt_layer(lists)])
    (f,) = by_rule(report, "HC8101")
    assert f.location.layer_index == 1
    assert f.extra["kind"] == "apt package lists" and f.extra["files"] == 1
    assert f.extra["bytes"] == 5000


def test_cleaned_apt_lists_do_not_fire(tmp_path: Path) -> None:
    lists = File("var/lib/apt/lists/deb.debian.org_dists_bookworm_InRelease", b"x" * 5000)
    clean = Layer([Whiteout("var/lib/apt/lists/deb.debian.org_dists_bookworm_InRelease")])
    report = scan(tmp_path, [base_layer(), _apt_layer(lists), clean])
    assert "HC8101" not in rule_ids(report)  # lock and partial/ are not a cache


def test_other_caches(tmp_path: Path) -> None:
    layers = [
        base_layer(
            Dir("root"),
            Dir("root/.cache"),
            Dir("root/.cache/pip"),
            File("root/.cache/pip/http/ab/cd", b"w" * 100),
            Dir("var"),
            Dir("var/cache"),
            Dir("var/cache/apk"),
            File("var/cache/apk/APKINDEX.1.tar.gz", b"i" * 10),
            Dir("var/cache/apt"),
            Dir("var/cache/apt/archives"),
            File("var/cache/apt/archives/curl_8.0_amd64.deb", b"d" * 10),
            File("var/cache/apt/pkgcache.bin", b"p" * 10),
            File("var/cache/apt/archives/lock", b""),
        )
    ]
    kinds = {f.extra["kind"] for f in by_rule(scan(tmp_path, layers), "HC8101")}
    assert kinds == {"pip cache", "apk cache", "apt cache"}


def test_small_pycache_is_normal(tmp_path: Path) -> None:
    layers = [base_layer(Dir("app"), Dir("app/__pycache__"), File("app/__pycache__/m.pyc", b"c"))]
    assert "HC8101" not in rule_ids(scan(tmp_path, layers))


def test_temp_files(tmp_path: Path) -> None:
    layers = [base_layer(), Layer([Dir("tmp", mode=0o1777), File("tmp/build.tar", b"t" * 10)])]
    (f,) = by_rule(scan(tmp_path, layers), "HC8102")
    assert f.location.layer_index == 1 and f.extra["files"] == 1
    empty = [base_layer(Dir("var"), Dir("var/tmp", mode=0o1777))]
    assert "HC8102" not in rule_ids(scan(tmp_path / "e", empty))


def test_git_directory(tmp_path: Path) -> None:
    layers = [base_layer(Dir("app"), Dir("app/.git"), File("app/.git/HEAD", b"ref\n"))]
    (f,) = by_rule(scan(tmp_path, layers), "HC8103")
    assert f.location.file == "/app/.git" and f.severity is Severity.MEDIUM
    near = [base_layer(Dir("app"), File("app/.gitignore", b"*.o\n"), File("app/.git", b"x"))]
    assert "HC8103" not in rule_ids(scan(tmp_path / "n", near))  # a file, not the directory


def test_build_artefacts(tmp_path: Path) -> None:
    layers = [base_layer(Dir("src"), File("src/main.o", b"o"), Dir("src/CMakeFiles"))]
    files = {f.location.file for f in by_rule(scan(tmp_path, layers), "HC8104")}
    assert files == {"/src/main.o", "/src/CMakeFiles"}
    near = [base_layer(Dir("usr/lib"), File("usr/lib/crt1.o", b"o"))]
    assert "HC8104" not in rule_ids(scan(tmp_path / "n", near))


def test_wasted_bytes_and_efficiency(tmp_path: Path) -> None:
    blob = os.urandom(30_000_000)
    layers = [
        base_layer(),
        Layer([Dir("opt"), File("opt/big.bin", blob)], compression="none"),
        Layer([Whiteout("opt/big.bin")]),
        Layer([Dir("etc"), File("etc/passwd", b"root:x:0:0::/root:/bin/sh\napp:x:1:1::/:/\n")]),
    ]
    report = scan(tmp_path, layers)
    (f,) = by_rule(report, "HC8105")
    assert f.location.layer_index == 1
    assert "/opt/big.bin" in f.message
    summary = report.summary
    assert summary["wasted_bytes"] >= 30_000_000
    assert summary["efficiency"] < 0.01
    table = summary["layer_table"]
    assert [row["index"] for row in table] == [0, 1, 2, 3]
    assert table[1]["bytes_wasted"] == 30_000_000 and table[1]["efficiency"] == 0.0
    assert summary["top_wasted"][0]["path"] == "/opt/big.bin"


def test_small_waste_is_not_a_finding(tmp_path: Path) -> None:
    layers = [
        base_layer(Dir("opt"), File("opt/big.bin", b"x" * 200_000)),
        Layer([Whiteout("opt/big.bin")]),
    ]
    report = scan(tmp_path, layers)
    assert "HC8105" not in rule_ids(report)
    assert report.summary["wasted_bytes"] == 200_000


def test_developer_files_are_named_with_their_layer(tmp_path: Path) -> None:
    from tests.fixtures.imagebuilder import Dir, File, Layer

    from .helpers import base_layer, by_rule, scan

    app = Layer(
        [
            Dir("app"),
            Dir("app/.vscode"),
            File("app/.vscode/settings.json", b"{}"),
            File("app/Dockerfile", b"FROM x\n"),
            File("app/docker-compose.yml", b"services: {}\n"),
            Dir("app/node_modules"),
            Dir("app/node_modules/pkg"),
            File("app/node_modules/pkg/Dockerfile", b"FROM y\n"),
        ]
    )
    (f,) = by_rule(scan(tmp_path, [base_layer(), app]), "HC8106")
    assert f.location.layer_index == 1
    assert set(f.extra["paths"]) == {
        "/app/.vscode",
        "/app/Dockerfile",
        "/app/docker-compose.yml",
    }
    assert "node_modules" not in f.message
    clean = Layer([Dir("app"), File("app/main.py", b"print(1)\n")])
    assert not by_rule(scan(tmp_path / "c", [base_layer(), clean]), "HC8106")


def test_env_files_are_developer_files_but_their_templates_are_not(tmp_path: Path) -> None:
    from tests.fixtures.imagebuilder import Dir, File, Layer

    from .helpers import base_layer, by_rule, scan

    app = Layer(
        [
            Dir("app"),
            File("app/.env", b"DEBUG=1\n"),
            File("app/.env.production", b"DEBUG=0\n"),
            # near misses: committed templates, a virtualenv named .env, packaged files
            File("app/.env.example", b"DB_PASSWORD=\n"),
            File("app/.env.sample", b"DB_PASSWORD=\n"),
            File("app/.environment", b"x\n"),
            Dir("srv"),
            Dir("srv/.env"),
            Dir("srv/.env/bin"),
            File("srv/.env/bin/python", b"\x7fELF"),
            Dir("usr/share"),
            Dir("usr/share/doc"),
            Dir("usr/share/doc/tool"),
            File("usr/share/doc/tool/.env", b"EXAMPLE=1\n"),
        ]
    )
    (f,) = by_rule(scan(tmp_path, [base_layer(), app]), "HC8106")
    assert set(f.extra["paths"]) == {"/app/.env", "/app/.env.production"}


def test_aggregated_findings_name_their_paths(tmp_path: Path) -> None:
    from tests.fixtures.imagebuilder import Dir, File, Layer

    from .helpers import base_layer, by_rule, scan

    lists = [File(f"var/lib/apt/lists/deb_{i}_Packages", b"p" * 100) for i in range(3)]
    layer = Layer(
        [Dir("var"), Dir("var/lib"), Dir("var/lib/apt"), Dir("var/lib/apt/lists"), *lists]
    )
    (f,) = by_rule(scan(tmp_path, [base_layer(), layer]), "HC8101")
    assert f.extra["paths"] == {"/var/lib/apt/lists": 3}
    assert "/var/lib/apt/lists (3)" in f.message
    assert f.location.layer_index == 1 and f.location.file == "/var/lib/apt/lists"
