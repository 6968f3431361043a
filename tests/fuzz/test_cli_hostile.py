"""The CLI against hostile inputs, as a user runs it (a subprocess in a sealed tmp world).

For input it cannot use: exit code 2, exactly one non-empty stderr line starting with
``hullcheck:``, never a traceback nor an "internal error", nothing written outside the
cache dir, no temp file left anywhere.  For input it can partly read (a rootfs with
loops, FIFOs), it terminates, exits 0 and writes nothing outside the cache.
"""

from __future__ import annotations

import io
import json
import os
import random
import sqlite3
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.fixtures.imagebuilder import File, Layer, canonical, make_image

from .cli_harness import TEMP_MARKERS, Run, World

MEMBERS = [File("etc/os-release", b"ID=alpine\nVERSION_ID=3.20.0\n")]


def assert_one_line_failure(run: Run, contains: str = "") -> None:
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert run.code == 2, (run.code, run.stderr[-2000:])
    assert len(lines) == 1, run.stderr[-2000:]
    assert lines[0].startswith("hullcheck: "), lines[0]
    assert "Traceback" not in run.stderr
    assert "internal error" not in run.stderr, lines[0]
    assert contains.lower() in lines[0].lower(), lines[0]
    assert_nothing_left(run)


def assert_nothing_left(run: Run) -> None:
    assert run.new_files == [], run.new_files
    stray = [p for p in run.cache_files if any(m in os.path.basename(p) for m in TEMP_MARKERS)]
    assert stray == [], stray


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path / "world")


# ---------------------------------------------------------------- images (scan and sbom)
def _garbage(w: World) -> str:
    (w.work / "garbage.tar").write_bytes(random.Random(7).randbytes(5000))
    return "garbage.tar"


def _empty(w: World) -> str:
    (w.work / "empty.tar").write_bytes(b"")
    return "docker-archive:empty.tar"


def _truncated_archive(w: World) -> str:
    img = make_image(w.root / "src" / "t.tar", [Layer(MEMBERS)], form="docker-archive")
    data = img.path.read_bytes()
    (w.work / "t.tar").write_bytes(data[: len(data) // 3])
    return "docker-archive:t.tar"


def _deep_index(w: World) -> str:
    make_image(w.work / "deep", [Layer(MEMBERS)], index_bytes=b"[" * 200_000)
    return "oci:deep"


def _nested_index(w: World) -> str:
    make_image(w.work / "nest", [Layer(MEMBERS)], index_bytes=b'{"a":' * 100 + b"1" + b"}" * 100)
    return "oci:nest"


def _fifo_manifest(w: World) -> str:
    img = make_image(w.work / "fifo", [Layer(MEMBERS)])
    blob = img.path / "blobs" / "sha256" / img.manifest_digest[7:]
    blob.unlink()
    os.mkfifo(blob)
    return "oci:fifo"


def _escaping_config(w: World) -> str:
    manifest = canonical([{"Config": "../../../etc/passwd", "RepoTags": [], "Layers": []}])
    make_image(w.work / "esc.tar", [Layer(MEMBERS)], form="docker-archive", manifest_bytes=manifest)
    return "docker-archive:esc.tar"


def _huge_manifest(w: World) -> str:
    big = b'{"schemaVersion":2,"pad":"' + b"x" * (5 * 1024 * 1024) + b'"}'
    make_image(w.work / "huge", [Layer(MEMBERS)], manifest_bytes=big)
    return "oci:huge"


def _missing(w: World) -> str:
    return "./does-not-exist.tar"


def _not_a_layout(w: World) -> str:
    (w.work / "plain").mkdir()
    (w.work / "plain" / "x").write_text("x")
    return "oci:plain"


def _dev_zero(w: World) -> str:
    return "docker-archive:/dev/zero"


IMAGES: dict[str, Callable[[World], str]] = {
    "garbage": _garbage,
    "empty": _empty,
    "truncated-archive": _truncated_archive,
    "deep-index": _deep_index,
    "nested-index": _nested_index,
    "fifo-manifest-blob": _fifo_manifest,
    "config-outside-archive": _escaping_config,
    "huge-manifest": _huge_manifest,
    "missing": _missing,
    "not-a-layout": _not_a_layout,
    "dev-zero": _dev_zero,
}


@pytest.mark.parametrize("case", sorted(IMAGES))
@pytest.mark.parametrize("command", ["scan", "sbom"])
def test_unusable_images(command: str, case: str, world: World) -> None:
    ref = IMAGES[case](world)
    assert_one_line_failure(world.run(command, ref, timeout=60))


# ---------------------------------------------------------------- sbom inputs
@pytest.mark.parametrize(
    "body",
    [
        b'{"bomFormat": "CycloneDX", "components": ' + b"[" * 100_000,
        b'{"spdxVersion": "SPDX-2.3", "packages": "\xff\xfe"}',
        b'{"bomFormat": "Neither"}',
    ],
    ids=["deep-cyclonedx", "bad-spdx", "unknown-format"],
)
def test_unusable_sbom_files(body: bytes, world: World) -> None:
    (world.work / "in.json").write_bytes(body)
    assert_one_line_failure(world.run("sbom", "in.json"))


def test_sbom_output_into_a_missing_folder(world: World) -> None:
    (world.work / "root").mkdir()
    assert_one_line_failure(world.run("sbom", "root", "-o", "nowhere/out.json"), "cannot write")


def test_sbom_output_onto_a_directory_leaves_no_temp(world: World) -> None:
    (world.work / "root").mkdir()
    (world.work / "out").mkdir()
    assert_one_line_failure(world.run("sbom", "root", "-o", "out"), "cannot write")


def test_sbom_of_a_rootfs_with_loops_and_fifos_terminates(world: World) -> None:
    root = world.work / "rootfs"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "os-release").write_text("ID=debian\nVERSION_ID=12\n")
    (root / "var" / "lib" / "dpkg").mkdir(parents=True)
    os.mkfifo(root / "var" / "lib" / "dpkg" / "status")  # opening it would block forever
    os.mkfifo(root / "lib-apk-installed")
    (root / "lib" / "apk" / "db").mkdir(parents=True)
    os.symlink("/dev/zero", root / "lib" / "apk" / "db" / "installed")  # never followed
    (root / "loop").mkdir()
    os.symlink("..", root / "loop" / "up")  # a directory cycle through a symlink
    os.symlink("self", root / "self")  # a link to itself
    os.symlink("b", root / "a")
    os.symlink("a", root / "b")
    sp = root / "usr" / "lib" / "python3" / "site-packages" / "x-1.dist-info"
    sp.mkdir(parents=True)
    (sp / "METADATA").write_text("Metadata-Version: 2.1\nName: x\nVersion: 1\n")
    run = world.run("sbom", "rootfs", "-f", "json", timeout=60)
    assert run.code == 0, run.stderr
    assert "Traceback" not in run.stderr
    doc = json.loads(run.stdout)
    assert [p["name"] for p in doc["packages"]] == ["x"]
    assert_nothing_left(run)


# ---------------------------------------------------------------- db update --from / status
def _corrupt_zip(w: World) -> str:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("A.json", json.dumps({"id": "A", "modified": "2024-01-01T00:00:00Z"}) * 9)
    data = bytearray(out.getvalue())
    data[30 + len("A.json")] = 0x07  # invalid deflate block type
    (w.work / "all.zip").write_bytes(bytes(data))
    return "all.zip"


def _truncated_zip(w: World) -> str:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("A.json", "{}")
    (w.work / "cut.zip").write_bytes(out.getvalue()[:-10])
    return "cut.zip"


def _fifo_source(w: World) -> str:
    os.mkfifo(w.work / "osv.json")
    return "osv.json"


def _other_file(w: World) -> str:
    (w.work / "notes.txt").write_text("hello")
    return "notes.txt"


FROM: dict[str, Callable[[World], str]] = {
    "corrupt-zip": _corrupt_zip,
    "truncated-zip": _truncated_zip,
    "fifo": _fifo_source,
    "not-osv": _other_file,
    "missing": lambda w: "nothing-here",
}


@pytest.mark.parametrize("case", sorted(FROM))
def test_db_update_from_unusable_sources(case: str, world: World) -> None:
    source = FROM[case](world)
    run = world.run("db", "update", "--from", source)
    assert_one_line_failure(run)
    assert not (world.cache / "osv.sqlite3").exists()


def test_db_update_from_hostile_records_skips_them(world: World) -> None:
    folder = world.work / "osv"
    folder.mkdir()
    (folder / "deep.json").write_bytes(b"[" * 100_000)
    (folder / "alias.yaml").write_bytes(
        b"a: &a [x, x, x, x, x, x, x, x, x]\n"
        + b"".join(
            f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n".encode()
            for p, c in zip("abcdefgh", "bcdefghi", strict=True)
        )
    )
    (folder / "nul.json").write_bytes(b'{"id": "A\x00", "modified": "x"}')
    os.symlink("/etc/passwd", folder / "link.json")
    run = world.run("db", "update", "--from", "osv")
    assert run.code == 0, run.stderr
    assert "0 records imported, 3 skipped" in run.stdout
    assert_nothing_left(run)


def _garbage_db(w: World) -> None:
    (w.cache).mkdir(parents=True, exist_ok=True)
    (w.cache / "osv.sqlite3").write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)


def _tableless_db(w: World) -> None:
    from hullcheck.vulns.store import SCHEMA_VERSION

    w.cache.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(w.cache / "osv.sqlite3")
    con.execute("CREATE TABLE meta (key TEXT, value TEXT)")
    con.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
    con.commit()
    con.close()


@pytest.mark.parametrize("fmt", ["text", "json"])
@pytest.mark.parametrize("make", [_garbage_db, _tableless_db, lambda w: None])
def test_db_status_of_damaged_databases(
    make: Callable[[World], None], fmt: str, world: World
) -> None:
    make(world)
    assert_one_line_failure(world.run("db", "status", "--format", fmt))


# ---------------------------------------------------------------- cache clean
def test_cache_clean_with_planted_symlinks(world: World) -> None:
    outside = world.work / "precious"
    outside.mkdir()
    (outside / ("b" * 64)).write_text("keep me")
    blobs = world.cache / "blobs-cache" / "blobs"
    blobs.mkdir(parents=True)
    os.symlink(outside, blobs / "sha256")
    run = world.run("cache", "clean")
    assert run.code == 0, run.stderr
    assert (outside / ("b" * 64)).read_text() == "keep me"
    assert_nothing_left(run)


@pytest.mark.parametrize(
    "text",
    ["db: " + "[" * 100_000, "db:\n" + "".join(" " * i + "a:\n" for i in range(1, 3000))],
    ids=["deep-flow", "deep-block"],
)
def test_db_update_with_a_deeply_nested_config(text: str, world: World) -> None:
    # was: RecursionError from the YAML loader ("internal error")
    (world.work / "deep.yaml").write_text(text)
    run = world.run("db", "update", "--config", "deep.yaml", "--mirror", "http://127.0.0.1:9/")
    assert_one_line_failure(run, "nested too deeply")


class _Mirror:
    """A local OSV mirror serving ``body`` for every <ECOSYSTEM>/all.zip."""

    def __init__(self, body: bytes) -> None:
        import http.server
        import threading

        payload = body

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("case", ["corrupt-zip", "truncated-zip", "not-osv"])
def test_db_update_from_a_hostile_mirror(case: str, world: World) -> None:
    body = (world.work / FROM[case](world)).read_bytes()
    mirror = _Mirror(body)
    try:
        run = world.run("db", "update", "--mirror", mirror.url, "--ecosystem", "PyPI")
    finally:
        mirror.close()
    assert_one_line_failure(run)
    assert not (world.cache / "osv.sqlite3").exists()
    leftovers = sorted(p.name for p in world.cache.iterdir()) if world.cache.exists() else []
    assert leftovers == []  # no partial download, no temp database


# ---------------------------------------------------------------- lint
LINT_UNUSABLE: dict[str, Callable[[World], str]] = {
    "fifo": lambda w: (os.mkfifo(w.work / "Dockerfile.fifo"), "Dockerfile.fifo")[1],
    "binary": lambda w: ((w.work / "bin").write_bytes(bytes(range(256)) * 50), "bin")[1],
    "nul": lambda w: ((w.work / "nul").write_bytes(b"FROM a\nRUN echo \x00 x\n"), "nul")[1],
    "huge": lambda w: ((w.work / "big").write_text("FROM a\n#" + "a" * (5 << 20)), "big")[1],
    "device": lambda w: "/dev/zero",
}


@pytest.mark.parametrize("case", sorted(LINT_UNUSABLE))
def test_lint_unusable_dockerfiles(case: str, world: World) -> None:
    assert_one_line_failure(world.run("lint", LINT_UNUSABLE[case](world)))


@pytest.mark.parametrize(
    "body",
    [
        "FROM a\nRUN " + "$(" * 20_000 + "\n",
        "FROM a\nRUN " + "(" * 50_000 + "\n",
        "FROM a\nRUN " + "`echo " * 3_000 + "\n",
        "FROM a\nARG X=" + "${X:-" * 50_000 + "\n",
        "FROM a\nRUN echo \\\n" + " a \\\n" * 100_000 + " b\n",
        "FROM a\nRUN <<EOF\n" + "x\n" * 100_000,
        "FROM a\nRUN echo \x1b]0;pwned\x07 \u202e\n",
    ],
    ids=[
        "subshells",
        "parens",
        "backticks",
        "param-expansion",
        "continuations",
        "heredoc",
        "escapes",
    ],
)
def test_lint_hostile_dockerfiles_terminate_cleanly(body: str, world: World) -> None:
    (world.work / "Dockerfile").write_text(body)
    run = world.run("lint", "Dockerfile", "--format", "json", timeout=60)
    assert run.code in (0, 1, 2), run.stderr
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr, run.stderr
    assert all(line.startswith("hullcheck: ") for line in run.stderr.splitlines())
    assert "\x1b" not in run.stderr
    json.loads(run.stdout)
    assert_nothing_left(run)
