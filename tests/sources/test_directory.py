"""``hullcheck scan DIR``: a root filesystem read as one synthetic layer by the same analysers."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hullcheck.document import Report
from hullcheck.imagerules.base import ScanSettings
from hullcheck.scan import ScanRequest, scan_image
from hullcheck.sources.directory import LAYER_DIGEST, DirectorySource, DirectoryStream
from hullcheck.sources.limits import Deadline, Limits
from hullcheck.sources.open import SourceOptions, open_source, parse_reference
from tests.fixtures.imagebuilder import Dir, File, Layer, make_image
from tests.imagerules.helpers import NOW

ROOT = Path(__file__).resolve().parents[2]
NETRC = b"machine git.example.com login deploy password Zq8vR2nLp4Xw9TkM\n"
OS_RELEASE = b'PRETTY_NAME="Debian GNU/Linux 10 (buster)"\nID=debian\nVERSION_ID="10"\n'
DIST_INFO = "usr/lib/python3/dist-packages/requests-2.19.0.dist-info/METADATA"
METADATA = b"Metadata-Version: 2.1\nName: requests\nVersion: 2.19.0\n"
DPKG = b"Package: bash\nStatus: install ok installed\nVersion: 5.0-4\nArchitecture: amd64\n\n"

# (path, content, mode): the same tree is written to disk and built as an image
TREE: list[tuple[str, bytes, int]] = [
    ("etc/os-release", OS_RELEASE, 0o644),
    ("etc/passwd", b"root:x:0:0:root:/root:/bin/bash\n", 0o644),
    ("root/.netrc", NETRC, 0o600),
    ("usr/local/bin/helper", b"\x7fELF not really", 0o4755),
    ("var/lib/apt/lists/deb.debian.org_debian_dists_buster_main_Packages", b"x" * 60000, 0o644),
    ("var/lib/dpkg/status", DPKG, 0o644),
    (DIST_INFO, METADATA, 0o644),
]
CONFIG_RULES = {"HC8001", "HC8002", "HC8007", "HC8302", "HC8401", "HC8402", "HC8501"}


def write_tree(root: Path) -> Path:
    for rel, data, mode in TREE:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        path.chmod(mode)
    return root


def scan(reference: str, limits: Limits | None = None, source: str | None = None) -> Report:
    request = ScanRequest(
        reference,
        source=source,
        options=SourceOptions(limits=limits or Limits()),
        settings=ScanSettings(now=NOW),
    )
    return scan_image(request)


def file_findings(report: Report) -> set[tuple[str, str | None]]:
    return {(f.rule, f.location.file) for f in report.findings if f.rule not in CONFIG_RULES}


def packages(report: Report) -> set[tuple[str, str, str]]:
    assert report.packages is not None
    return {(p.type, p.name, p.version) for p in report.packages}


def test_rootfs_gives_file_findings_and_packages(tmp_path: Path) -> None:
    report = scan(str(write_tree(tmp_path / "rootfs")))
    found = file_findings(report)
    assert ("netrc-password", "/root/.netrc") in found
    assert ("HC8003", "/usr/local/bin/helper") in found  # setuid, not a usual one
    assert "HC8101" in {rule for rule, _ in found}  # apt lists left behind
    assert ("HC8301", "/etc/os-release") in found  # Debian 10 is past end of life
    assert {("pypi", "requests", "2.19.0"), ("deb", "bash", "5.0-4")} <= packages(report)
    secret = next(f for f in report.findings if f.rule == "netrc-password")
    assert "Zq8vR2nLp4Xw9TkM" not in json.dumps(secret.to_json())
    assert secret.location.layer == LAYER_DIGEST and secret.location.layer_index == 0
    # no image config: the config rules stay silent rather than guess
    assert not {f.rule for f in report.findings} & CONFIG_RULES
    target = report.target
    assert target is not None
    assert target["source"] == "dir" and target["path"] == str(tmp_path / "rootfs")
    assert target["files"] == len(TREE)
    assert target["bytes"] == sum(len(d) for _, d, _ in TREE)
    assert "config" not in target and "layers" not in target
    assert report.summary["complete"] is True


def test_same_tree_as_an_image_gives_the_same_file_findings(tmp_path: Path) -> None:
    on_disk = scan(str(write_tree(tmp_path / "rootfs")))
    dirs = sorted(
        {str(Path(rel).parents[i]) for rel, _, _ in TREE for i in range(len(Path(rel).parts) - 1)}
    )
    members = [Dir(d) for d in dirs] + [File(rel, data, mode) for rel, data, mode in TREE]
    img = make_image(tmp_path / "img", [Layer(members)], config={"User": "app"})
    as_image = scan(img.reference)
    assert file_findings(on_disk) == file_findings(as_image)
    assert packages(on_disk) == packages(as_image)
    assert len(packages(on_disk)) >= 2


def test_symlinks_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "netrc").write_bytes(NETRC)
    root = tmp_path / "rootfs"
    (root / "root").mkdir(parents=True)
    (root / "root" / ".netrc").symlink_to(outside / "netrc")
    (root / "escape").symlink_to(outside)
    report = scan(str(root))
    assert not [f for f in report.findings if f.rule == "netrc-password"]
    src = open_source(str(root))
    assert isinstance(src, DirectorySource)
    kinds = {e.name: (e.kind, e.linkname) for e in src.entries(Deadline(None), _no_report)}
    assert kinds["root/.netrc"] == ("symlink", str(outside / "netrc"))
    assert kinds["escape"][0] == "symlink"
    assert not any(name.startswith("escape/") for name in kinds)


@pytest.mark.timeout(30)
def test_fifo_and_devices_are_never_opened(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "rootfs")
    # FIFOs where analysers want content: opening them to read would block forever
    (root / "etc" / "os-release").unlink()
    os.mkfifo(root / "etc" / "os-release")
    os.mkfifo(root / "root" / ".aws-credentials")
    os.mkfifo(root / "var" / "lib" / "dpkg" / "status.d")
    start = time.monotonic()
    report = scan(str(root))
    assert time.monotonic() - start < 20
    assert ("netrc-password", "/root/.netrc") in file_findings(report)
    assert ("pypi", "requests", "2.19.0") in packages(report)
    assert not [f for f in report.findings if f.rule == "HC8301"]  # no os-release read


def test_file_swapped_for_a_fifo_is_not_read(tmp_path: Path) -> None:
    root = tmp_path / "rootfs"
    root.mkdir()
    (root / "a").write_bytes(b"data")
    problems: list[tuple[str, str | None]] = []
    stream = DirectoryStream(
        os.fsencode(root), Limits(), report=lambda m, p: problems.append((m, p))
    )
    for entry in stream:
        assert entry.kind == "file"
        (root / "a").unlink()
        os.mkfifo(root / "a")  # between lstat and open
        assert stream.read_content(100) == b""
    assert problems and problems[0][1] == "/a"


def test_odd_names_and_entry_bound(tmp_path: Path) -> None:
    root = tmp_path / "rootfs"
    (root / "root").mkdir(parents=True)
    odd = os.fsencode(root / "root") + b"/.netrc\x80\xff"
    with open(odd, "wb") as fh:
        fh.write(NETRC)
    report = scan(str(root))
    # an odd name loses nothing: a warning, the file read under its escaped name
    assert not report.errors
    odd_names = [d for d in report.diagnostics if d.kind == "layer-entry"]
    assert [d.level.value for d in odd_names] == ["warning"]
    assert "\\x80" in (odd_names[0].path or "") and "not UTF-8" in odd_names[0].message
    for i in range(20):
        (root / f"f{i:02}").write_bytes(b"")
    bounded = scan(str(root), limits=Limits(max_entries=5))
    assert bounded.summary["complete"] is False
    assert any("more than 5 entries" in e.message for e in bounded.errors)


def test_sorted_order_and_hardlinks(tmp_path: Path) -> None:
    root = tmp_path / "rootfs"
    (root / "b").mkdir(parents=True)
    (root / "b" / "z").write_bytes(b"1")
    (root / "a").write_bytes(b"22")
    os.link(root / "a", root / "c")
    entries = list(DirectoryStream(os.fsencode(root), Limits()))
    assert [e.name for e in entries] == ["a", "b", "b/z", "c"]
    assert (entries[3].kind, entries[3].linkname, entries[3].size) == ("hardlink", "a", 0)


def test_reference_forms(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "rootfs")
    assert parse_reference(str(root)).kind == "dir"
    assert parse_reference(f"dir:{root}").kind == "dir"
    assert parse_reference(str(root), forced="dir").kind == "dir"
    img = make_image(tmp_path / "img", [Layer([File("a", b"1")])])
    assert parse_reference(str(tmp_path / "img")).kind == "oci"
    marked = tmp_path / "marked"
    marked.mkdir()
    (marked / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    assert parse_reference(str(marked)).kind == "oci"  # a broken layout stays a layout
    assert img.reference.startswith("oci:")
    with pytest.raises(Exception, match="not a directory"):
        open_source(f"dir:{root / 'etc' / 'passwd'}")


def test_cli_scans_a_directory(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "rootfs")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "HULLCHECK_NO_PROGRESS": "1"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "hullcheck",
            "scan",
            f"dir:{root}",
            "--no-vulns",
            "-f",
            "json",
            "--now",
            "2025-02-01",
        ],
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr.decode()  # high findings: netrc, setuid
    doc = json.loads(proc.stdout)
    assert doc["target"]["source"] == "dir"
    assert "Zq8vR2nLp4Xw9TkM" not in proc.stdout.decode()
    assert "HC8001" not in {f["rule"] for f in doc["findings"]}


@pytest.mark.images
@pytest.mark.timeout(600)
def test_unpacked_real_rootfs_has_the_images_packages(test_images: Path, tmp_path: Path) -> None:
    if shutil.which("umoci") is None:
        pytest.skip("umoci is not installed")
    layout = test_images / "oci-per-tag" / "python-npm"
    bundle = tmp_path / "bundle"
    subprocess.run(
        ["umoci", "unpack", "--rootless", "--image", f"{layout}:python-npm", str(bundle)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    from_dir = scan(str(bundle / "rootfs"))
    from_image = scan(f"oci:{layout}:python-npm")
    assert len(packages(from_image)) > 50
    assert packages(from_dir) == packages(from_image)
    assert from_dir.summary["complete"] is True


def _no_report(message: str, path: str | None) -> None:
    pass


def test_other_filesystems_are_not_entered_unless_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "rootfs"
    (root / "mnt" / "other").mkdir(parents=True)
    (root / "mnt" / "other" / "f").write_bytes(b"x")
    (root / "g").write_bytes(b"y")
    mount = os.fsencode(root / "mnt")
    real_lstat = os.lstat

    def lstat(path: bytes) -> os.stat_result:  # /mnt looks like a mount point
        st = real_lstat(path)
        if path == mount:
            fields = list(st)
            fields[2] = st.st_dev + 1
            return os.stat_result(fields)
        return st

    monkeypatch.setattr("hullcheck.sources.directory.os.lstat", lstat)
    problems: list[tuple[str, str | None]] = []
    stream = DirectoryStream(
        os.fsencode(root), Limits(), report=lambda m, p: problems.append((m, p))
    )
    assert [e.name for e in stream] == ["g", "mnt"]
    assert problems == [(problems[0][0], "/mnt")] and "another filesystem" in problems[0][0]
    crossed = DirectoryStream(os.fsencode(root), Limits(), cross_devices=True)
    assert [e.name for e in crossed] == ["g", "mnt", "mnt/other", "mnt/other/f"]
