"""Valid-but-odd images get a report with a warning; broken ones exit 2 in one line.

The rule (issue 11): an image that Docker or containerd would run gets a report (exit 0
or 1) with a ``layer-entry`` warning naming the oddity, and its files are examined as
Docker would unpack them.  An image they cannot load or unpack, whose content hullcheck
therefore cannot know (a config field of the wrong JSON type, a hard link to itself or to
no file), exits 2 with exactly one ``hullcheck: error:`` line saying why.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hullcheck.cli.main import main
from tests.fixtures.imagebuilder import (
    Device,
    Dir,
    Fifo,
    File,
    Hardlink,
    Layer,
    Member,
    Symlink,
    Whiteout,
    make_image,
)
from tests.sources.helpers import read_all

KEY_ID = "AKIA" + "Z7QWERTYUIOPASDF"
SECRET = f'AWS_ACCESS_KEY_ID = "{KEY_ID}"\n'.encode()
FORMS = ["oci", "docker-archive", "oci-archive"]
LONG_DIR = "opt/" + "d" * 280  # one component over Linux's 255 bytes
DEEP = "/".join(f"level{i:03}" for i in range(520))  # 4.2 KB: over PATH_MAX


def run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str, ref: str, *extra: str
) -> tuple[int, str, list[str]]:
    args = [command, ref, "-f", "json", "--cache-dir", str(tmp_path / "cache")]
    if command == "scan":
        args += ["--no-vulns", "--fail-on", "none"]
    code = main([*args, *extra])
    out = capsys.readouterr()
    return code, out.out, out.err.splitlines()


def lines(err: list[str], level: str) -> list[str]:
    return [line for line in err if line.startswith(f"hullcheck: {level}:")]


def secret_paths(doc: dict[str, Any]) -> set[str]:
    return {
        str(f.get("location", {}).get("file"))
        for f in doc["findings"]
        if f.get("practice") == "secrets"
    }


# -- class 2: odd, valid images: a report, a warning naming the oddity, content examined ---

ODD: dict[str, tuple[list[Any], str, str | None]] = {
    # name -> (members, words of the warning, path whose secret must be found)
    "latin1-name": (
        [Dir("app"), File(b"app/caf\xe9.py", SECRET)],
        "not UTF-8",
        "/app/caf\\xe9.py",
    ),
    "latin1-symlink-target": (
        [File("app/settings.py", SECRET), Symlink("app/link", b"caf\xe9")],
        "not UTF-8",
        "/app/settings.py",
    ),
    "devices-and-fifo": (
        [
            Dir("dev"),
            Device("dev/null"),  # ordinary in a rootfs: no warning for these
            Device("opt/null"),
            Device("srv/sda", char=False),
            Fifo("app/pipe"),
            File("app/settings.py", SECRET),
        ],
        "devices or FIFOs",
        "/app/settings.py",
    ),
    "unknown-typeflag": (
        [Member("app/settings.py", b"Z", SECRET)],
        "unknown tar type 'Z'",
        "/app/settings.py",
    ),
    "duplicate-entry": (
        # the later entry wins (as Docker unpacks): its secret is what the image holds
        [File("app/settings.py", b"DEBUG = True\n"), File("app/settings.py", SECRET)],
        "stored earlier in the same layer",
        "/app/settings.py",
    ),
    "file-before-its-own-whiteout": (
        # the image spec keeps it; overlay unpackers refuse the layer, copying ones delete
        # the file: the view keeps it (the secret is in the blob either way) and warns
        [Dir("app"), File("app/settings.py", SECRET), Whiteout("app/settings.py")],
        "later in the same layer",
        "/app/settings.py",
    ),
    "gnu-longname": (
        [File(f"{LONG_DIR}/settings.py", SECRET, gnu_long=True)],
        "longer than Linux allows",
        f"/{LONG_DIR}/settings.py",
    ),
    "pax-longname": (
        [File(f"{DEEP}/settings.py", SECRET)],
        "longer than Linux allows",
        f"/{DEEP}/settings.py",
    ),
}


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("case", sorted(ODD))
def test_odd_valid_image_gives_a_report_with_one_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str, form: str
) -> None:
    members, words, secret_at = ODD[case]
    img = make_image(tmp_path / "img", [Layer(members)], form=form)
    code, out, err = run(capsys, tmp_path, "scan", img.reference)
    assert code == 0, err
    assert not lines(err, "error"), err
    warned = lines(err, "warning")
    assert len(warned) == 1 and words in warned[0], err
    doc = json.loads(out)
    assert doc["summary"]["complete"] is True
    diags = [d for d in doc["diagnostics"] if d["kind"] == "layer-entry"]
    assert [d["level"] for d in diags] == ["warning"]
    assert secret_at in secret_paths(doc)  # the odd layer's files were examined


@pytest.mark.parametrize("case", ["latin1-name", "devices-and-fifo", "duplicate-entry"])
def test_odd_images_through_sbom_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    members, words, _ = ODD[case]
    meta = b"Metadata-Version: 2.1\nName: goodpkg\nVersion: 1.0\n"
    dist = File("usr/lib/python3/dist-packages/goodpkg-1.0.dist-info/METADATA", meta)
    img = make_image(tmp_path / "img", [Layer([*members, dist])])
    code, out, err = run(capsys, tmp_path, "sbom", img.reference)
    assert code == 0, err
    assert not lines(err, "error") and any(words in w for w in lines(err, "warning")), err
    assert "goodpkg" in out


def test_duplicate_entries_last_one_wins_in_the_view(tmp_path: Path) -> None:
    img = make_image(
        tmp_path / "img",
        [
            Layer([File("a", b"1"), File("a", b"22"), Dir("d"), Dir("d", mode=0o700)]),
            Layer([File("a", b"333"), Whiteout("a"), File("b", b"x")]),
        ],
    )
    result, _ = read_all(img.reference)
    info = result.view.get("/a")
    assert info is not None and info.size == 3 and not info.hidden
    assert result.view.get("/d").mode & 0o777 == 0o700  # type: ignore[union-attr]
    # a directory listed twice is no oddity; the duplicate file in layer 0 is one, and so
    # is layer 1's /a before its own whiteout (kept, as the image spec says)
    assert [(w.message.split(":")[0], w.path) for w in result.warnings] == [
        ("layer 0", "/a"),
        ("layer 1", "/a"),
    ]
    assert "later in the same layer" in result.warnings[1].message
    assert result.view.stats[0].bytes_wasted == 1 + 2  # both versions of /a in layer 0


def test_many_oddities_are_one_warning_per_layer_and_kind(tmp_path: Path) -> None:
    members = [Fifo(f"p{i}") for i in range(500)] + [
        File(f"n\xe9{i}".encode("latin-1")) for i in range(500)
    ]
    img = make_image(tmp_path / "img", [Layer(members)])
    result, _ = read_all(img.reference)
    assert result.complete
    texts = sorted(w.message for w in result.warnings)
    assert len(texts) == 2
    assert "500 entries that are devices or FIFOs outside /dev" in texts[0]
    assert "500 entries with a name that is not UTF-8" in texts[1]


# -- class 3: broken images: exit 2, one error line naming the fault -----------------------

BAD_CONFIGS: dict[str, tuple[dict[str, Any], str]] = {
    "env-string": ({"Env": "PATH=/usr/bin"}, "config.Env is a string, not a list of strings"),
    "env-number-item": ({"Env": ["A=1", 2]}, "config.Env[1] is a number, not a string"),
    "user-number": ({"User": 0}, "config.User is a number, not a string"),
    "labels-list": ({"Labels": ["a=b"]}, "config.Labels is a list, not an object of strings"),
    "label-value-number": ({"Labels": {"a": 1}}, "config.Labels['a'] is a number"),
    "ports-list": ({"ExposedPorts": ["80/tcp"]}, "config.ExposedPorts is a list"),
    "volumes-string": ({"Volumes": "/data"}, "config.Volumes is a string"),
    "cmd-number": ({"Cmd": 7}, "config.Cmd is a number"),
    "entrypoint-object": ({"Entrypoint": {"a": 1}}, "config.Entrypoint is an object"),
    "workdir-list": ({"WorkingDir": ["/app"]}, "config.WorkingDir is a list"),
    "healthcheck-string": ({"Healthcheck": "curl"}, "config.Healthcheck is a string"),
    "healthcheck-interval": (
        {"Healthcheck": {"Test": ["CMD", "true"], "Interval": "30s"}},
        "config.Healthcheck.Interval is a string",
    ),
    "stopsignal-number": ({"StopSignal": 9}, "config.StopSignal is a number"),
}


@pytest.mark.parametrize("command", ["scan", "sbom"])
@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_config_field_of_wrong_type_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str, command: str
) -> None:
    config, words = BAD_CONFIGS[case]
    img = make_image(tmp_path / "img", [Layer([File("app/settings.py", SECRET)])], config=config)
    code, out, err = run(capsys, tmp_path, command, img.reference)
    assert code == 2
    assert out == ""  # nothing read from an image whose config cannot be trusted
    assert len(err) == 1 and err[0].startswith("hullcheck: error: image config: "), err
    assert words in err[0] and "cannot load this image" in err[0]


def test_top_level_and_history_types_are_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    img = make_image(
        tmp_path / "img",
        [Layer([File("f", b"1")])],
        history=[{"created_by": ["RUN", "x"]}],
    )
    code, _, err = run(capsys, tmp_path, "scan", img.reference)
    assert code == 2 and err == [
        "hullcheck: error: image config: history[0].created_by is a list, not a string "
        "(Docker and containerd cannot load this image)"
    ]


@pytest.mark.parametrize("field", ["Cmd", "Entrypoint", "Shell"])
def test_a_command_as_one_string_is_read_as_docker_does_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], field: str
) -> None:
    img = make_image(tmp_path / "img", [Layer([File("f", b"1")])], config={field: "/bin/sh"})
    code, out, err = run(capsys, tmp_path, "scan", img.reference)
    assert code == 0 and not lines(err, "error")
    assert len(lines(err, "warning")) == 1 and f"config.{field} is a string" in err[0]
    summary = json.loads(out)["target"]["config"]
    if field != "Shell":
        assert summary[field.lower()] == ["/bin/sh"]


def test_nulls_and_unknown_fields_are_fine(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = {k: None for k in ("Env", "Cmd", "Entrypoint", "Labels", "ExposedPorts", "User")}
    img = make_image(tmp_path / "img", [Layer([File("f", b"1")])], config={**config, "X": 1})
    code, _, err = run(capsys, tmp_path, "scan", img.reference)
    assert code == 0 and not lines(err, "error") and not lines(err, "warning"), err


BROKEN_LINKS: dict[str, tuple[list[Layer], str]] = {
    "to-itself": ([Layer([File("a", b"1"), Hardlink("x", "x")])], "/x: hard link to itself"),
    "to-nothing": ([Layer([Hardlink("x", "nothere")])], "/x: hard link to /nothere, which"),
    "loop": ([Layer([Hardlink("a", "b"), Hardlink("b", "a")])], "/a: hard link to /b, which"),
    "to-a-deleted-file": (
        [Layer([File("t", b"1")]), Layer([Whiteout("t"), Hardlink("x", "t")])],
        "/x: hard link to /t, which does not exist",
    ),
    "to-a-directory": ([Layer([Dir("d"), Hardlink("x", "d")])], "hard link to the directory /d"),
}


@pytest.mark.parametrize("command", ["scan", "sbom"])
@pytest.mark.parametrize("case", sorted(BROKEN_LINKS))
def test_a_hard_link_that_cannot_be_made_is_an_invalid_image(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str, command: str
) -> None:
    layers, words = BROKEN_LINKS[case]
    img = make_image(tmp_path / "img", layers)
    code, _, err = run(capsys, tmp_path, command, img.reference)
    assert code == 2
    errors = lines(err, "error")
    assert len(errors) == 1 and errors[0].startswith("hullcheck: error: invalid image: ")
    assert words in errors[0] and "fail to unpack this layer" in errors[0]
    # the user may accept exactly this, knowingly
    code, _, err = run(
        capsys, tmp_path, command, img.reference, "--allow-incomplete", "image-invalid"
    )
    assert code == 0 and not lines(err, "error"), err


def test_valid_hard_links_are_no_oddity(tmp_path: Path) -> None:
    img = make_image(
        tmp_path / "img",
        [
            Layer([Dir("usr/lib"), File("usr/lib/libx.so", b"ELF"), Symlink("lib", "usr/lib")]),
            Layer(
                [
                    Hardlink("usr/lib/liby.so", "usr/lib/libx.so"),  # a lower layer's file
                    Hardlink("libz.so", "lib/libx.so"),  # through a symlinked folder
                    File("bin/tool", b"#!/bin/sh\n"),
                    Hardlink("bin/tool2", "bin/tool"),  # an earlier entry of the layer
                    Hardlink("bin/lnk", "lib"),  # a hard link to a symlink is allowed
                ]
            ),
        ],
    )
    result, _ = read_all(img.reference)
    assert result.complete and not result.invalid and not result.warnings


def test_oddities_survive_the_layer_cache(tmp_path: Path) -> None:
    """A layer with an oddity is never cached (its warning would vanish on a replay), and
    a cached layer's hard links are checked against the base it is replayed on."""
    from hullcheck.scan import ScanRequest, scan_image
    from hullcheck.sources.open import SourceOptions

    def scan(ref: str) -> Any:
        request = ScanRequest(
            ref, options=SourceOptions(cache_dir=tmp_path / "c"), layer_cache=True
        )
        return scan_image(request)

    def kinds(report: Any) -> list[str]:
        return sorted(
            d.kind for d in report.diagnostics if d.kind in ("layer-entry", "image-invalid")
        )

    odd = make_image(tmp_path / "odd", [Layer([File("a", b"1"), Fifo("p")])])
    assert kinds(scan(odd.reference)) == ["layer-entry"]
    again = scan(odd.reference)
    assert kinds(again) == ["layer-entry"]
    assert not [layer for layer in again.target["layers"] if layer.get("cached")]
    # the same upper layer (hard link to a base file), once on a base that has the file...
    upper = Layer([Hardlink("b", "a")])
    good = make_image(tmp_path / "good", [Layer([File("a", b"1")]), upper])
    assert kinds(scan(good.reference)) == []
    # ...then replayed from the cache on a base that does not
    bad = make_image(tmp_path / "bad", [Layer([File("other", b"1")]), upper])
    report = scan(bad.reference)
    assert 1 in [layer["index"] for layer in report.target["layers"] if layer.get("cached")]
    assert kinds(report) == ["image-invalid"]


def test_dev_nodes_of_a_rootfs_are_no_oddity(tmp_path: Path) -> None:
    members = [Dir("dev"), Device("dev/null"), Device("dev/sda", char=False), Fifo("dev/initctl")]
    result, _ = read_all(make_image(tmp_path / "img", [Layer(members)]).reference)
    assert result.complete and not result.warnings
    kinds = {p.path: p.kind for p in result.view.walk()}
    assert kinds["/dev/null"] == "char" and kinds["/dev/initctl"] == "fifo"  # still recorded
