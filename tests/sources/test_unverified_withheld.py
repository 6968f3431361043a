"""Nothing read from a layer whose digest never verified reaches any output.

Issue 11, class 5.  A layer's entries are offered to the analysers as they stream; its
digest is known only at its end.  Small layers arrive in one read, so the mismatch used to
be met before any entry: a layer larger than one read (256 KiB) had its secret and its
package reported next to the "does not match its digest" error.  Now the results of every
layer not read to a verified end are withheld (``WalkResult.unverified``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from hullcheck.cli.main import main
from tests.fixtures.imagebuilder import File, Layer, make_image
from tests.fuzz.cli_harness import World
from tests.sources.test_deadlines import KEY_ID, SECRET, error_lines, fake, image_registry
from tests.sources.test_registry_faults import FakeServer

__all__ = ["fake"]

META = b"Metadata-Version: 2.1\nName: evilpkg\nVersion: 1.0\n"
GOOD_META = b"Metadata-Version: 2.1\nName: goodpkg\nVersion: 1.0\n"
DIST = "usr/lib/python3/dist-packages/{}-1.0.dist-info/METADATA"


def _layers(pad: bytes) -> tuple[Layer, Layer]:
    base = Layer([File(DIST.format("goodpkg"), GOOD_META)], compression="none")
    evil = Layer(
        [File("app/settings.py", SECRET), File(DIST.format("evilpkg"), META), File("pad", pad)],
        compression="none",
    )
    return base, evil


def _tampered(tmp: Path, form: str) -> str:
    base, evil = _layers(os.urandom(2 << 20))  # far past one 256 KiB read
    probe = make_image(tmp / "probe", [base, evil])
    blob = bytearray(probe.blobs[probe.layer_digests[1]])
    blob[-200_000] ^= 0xFF  # inside the padding: a valid tar, the wrong digest
    bad = Layer(evil.members, blob=bytes(blob), compression="none")
    return make_image(tmp / "img", [base, bad], form=form).reference


@pytest.mark.parametrize("command", ["scan", "sbom"])
@pytest.mark.parametrize("form", ["oci", "oci-archive", "docker-archive"])
def test_a_tampered_large_layer_reports_nothing_of_its_content(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], form: str, command: str
) -> None:
    ref = _tampered(tmp_path, form)
    args = [command, ref, "-f", "json", "--cache-dir", str(tmp_path / "cache")]
    if command == "scan":
        args += ["--no-vulns", "--fail-on", "none"]
    code = main(args)
    out = capsys.readouterr()
    assert code == 2
    errors = [line for line in out.err.splitlines() if line.startswith("hullcheck: error:")]
    assert len(errors) == 1 and "does not match" in errors[0], out.err
    assert "nothing read from its unverified bytes is reported" in errors[0]
    assert "evilpkg" not in out.out and KEY_ID[:8] not in out.out
    assert "aws-access-key-id" not in out.out
    assert "goodpkg" in out.out  # the verified base layer is still reported
    doc = json.loads(out.out)
    assert doc["summary"]["complete"] is False
    if command == "scan":  # nor figures counted from it
        assert doc["summary"]["unverified_layers"] == [1]
        assert doc["summary"]["bytes_added"] is None and doc["summary"]["top_wasted"] is None
        layers = doc["target"]["layers"]
        assert layers[1]["files"] is None and layers[1]["bytes_added"] is None
        assert layers[0]["files"] == 1  # the verified layer keeps its figures


def test_the_same_image_served_honestly_reports_it_all(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base, evil = _layers(os.urandom(2 << 20))
    ref = make_image(tmp_path / "img", [base, evil]).reference
    code = main(["scan", ref, "-f", "json", "--no-vulns", "--fail-on", "none"])
    out = capsys.readouterr().out
    assert code == 0
    assert "evilpkg" in out and "aws-access-key-id" in out  # the control: it would be seen


def test_a_registry_serving_a_large_tampered_layer(
    fake: Callable[..., FakeServer], tmp_path: Path
) -> None:
    base, evil = _layers(os.urandom(2 << 20))
    image = make_image(tmp_path / "img", [base, evil])
    blobs = dict(image.blobs)
    digest = image.layer_digests[1]
    blob = bytearray(blobs[digest])
    blob[-200_000] ^= 0xFF
    blobs[digest] = bytes(blob)
    manifest = image.blobs[image.manifest_digest]
    srv = fake(image_registry(blobs, manifest, "application/vnd.oci.image.manifest.v1+json"))
    world = World(tmp_path / "world")
    for command, extra in (("scan", ["--no-vulns", "--fail-on", "none"]), ("sbom", [])):
        run = world.run(command, f"127.0.0.1:{srv.port}/test/app:1", "-f", "json", *extra)
        assert run.code == 2, run.stderr
        lines = error_lines(run.stderr)
        assert len(lines) == 1 and "does not match its digest" in lines[0], run.stderr
        assert "evilpkg" not in run.stdout and KEY_ID[:8] not in run.stdout
        assert "goodpkg" in run.stdout
        assert run.max_rss_kib < 256 * 1024
