"""``rootfs:FILE``: a root filesystem tarball (docker export, mmdebstrap) read as a
one-layer image through the bounded layer reader, plain, gzip or zstd; hostile files
end with exit 2 and exactly one error line."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from hullcheck.cli.main import main
from hullcheck.sources.api import open_image
from tests.fixtures.imagebuilder import Dir, File, Layer, build_tar, compress, make_image

KEY = "AKIA" + "Q3XK7PM2RJ5WTZ4H"  # an AWS access key id shape, planted
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ8vT3kLm2"
STATUS = (
    b"Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\n"
    b"Version: 1:1.2.13.dfsg-1\nSource: zlib\n\n"
)
MEMBERS = [
    Dir("etc"),
    File("etc/os-release", b'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12"\n'),
    Dir("var"), Dir("var/lib"), Dir("var/lib/dpkg"),
    File("var/lib/dpkg/status", STATUS),
    Dir("srv"),
    File("srv/deploy.env", f"AWS_ACCESS_KEY_ID={KEY}\nAWS_SECRET_ACCESS_KEY={SECRET}\n".encode()),
    Dir("tmp", mode=0o777),  # world-writable, no sticky bit
]  # fmt: skip


def _rootfs(tmp_path: Path, how: str = "none") -> Path:
    data = build_tar(MEMBERS)
    path = tmp_path / f"rootfs-{how}.tar"
    path.write_bytes(data if how == "none" else compress(data, how))
    return path


def _scan(ref: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, object], str]:
    code = main(["scan", ref, "-f", "json", "--no-vulns", "--cache-dir", "/nonexistent-never"])
    out = capsys.readouterr()
    return code, (json.loads(out.out) if out.out else {}), out.err


@pytest.mark.parametrize("how", ["none", "gzip", "zstd"])
def test_read_like_the_same_files_in_an_image(
    tmp_path: Path, how: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, doc, err = _scan(f"rootfs:{_rootfs(tmp_path, how)}", capsys)
    assert code == 1, err
    rules = sorted({f["rule"] for f in doc["findings"]})  # type: ignore[index]
    archive = make_image(tmp_path / "img.tar", [Layer(MEMBERS)], form="docker-archive")
    _, image_doc, _ = _scan(str(archive.path), capsys)
    # the same files give the same findings, minus those about the config it lacks
    config_rules = {"HC8001", "HC8302", "HC8401"}  # root user, age, labels
    same = sorted({f["rule"] for f in image_doc["findings"]} - config_rules)  # type: ignore[index]
    assert rules == same and "HC8004" in rules
    assert KEY not in json.dumps(doc)
    assert doc["target"]["source"] == "rootfs"  # type: ignore[index]


def test_packages_and_a_layer_verified_against_its_digest(tmp_path: Path) -> None:
    path = _rootfs(tmp_path, "gzip")
    with open_image(f"rootfs:{path}") as handle:
        (layer,) = handle.image.layers
        assert layer.media_type.endswith("+gzip") and layer.diff_id is None
        assert not handle.image.has_config
    from hullcheck.sbom import inventory_for

    packages = inventory_for(f"rootfs:{path}").packages
    assert [(p.name, p.version) for p in packages] == [("zlib1g", "1:1.2.13.dfsg-1")]


def _one_error(err: str) -> str:
    errors = [line for line in err.splitlines() if line.startswith("hullcheck: error:")]
    assert len(errors) == 1 and "Traceback" not in err, err
    return errors[0]


@pytest.mark.parametrize("command", ["scan", "sbom"])
def test_hostile_files_exit_2_with_one_error_line(
    tmp_path: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    whole = build_tar([Dir("etc"), File("etc/big", os.urandom(200_000))])
    cases = {
        "truncated": whole[: len(whole) // 2],
        "garbage": os.urandom(30_000),
        "truncated gzip": compress(whole, "gzip")[:5000],
        "empty": b"",
    }
    for name, data in cases.items():
        path = tmp_path / f"{name}.tar"
        path.write_bytes(data)
        args = (
            [command, f"rootfs:{path}", "--max-ratio", "100"]
            if name == "bomb"
            else [command, f"rootfs:{path}"]
        )
        code = main([*args, "-f", "json", "--cache-dir", str(tmp_path / "c")])
        out = capsys.readouterr()
        assert code == 2, (name, out.err)
        _one_error(out.err)
        if out.out:  # nothing from unread bytes; only that no release could be identified
            rules = {f["rule"] for f in json.loads(out.out).get("findings", [])}
            assert rules <= {"HC8304"}, (name, rules)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for special in (fifo, tmp_path, tmp_path / "missing.tar"):
        assert main([command, f"rootfs:{special}"]) == 2
        assert str(special) in _one_error(capsys.readouterr().err)
