"""``advise`` against a registry with htpasswd auth: the password, read once from stdin,
serves the tag list and every candidate's scan (each would be "not measured" otherwise)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from hullcheck.cli.main import main
from tests.fixtures.imagebuilder import File, Layer, make_image
from tests.provenance.conftest import skopeo_push
from tests.sources.test_registry_integration import start_registry

USER, PASSWORD = "adviser", "tags-and-scans"


@pytest.mark.registry
def test_advise_with_stdin_password(
    request: pytest.FixtureRequest,
    shared_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    reg = start_registry(request, shared_dir, tmp_path / "reg", f"{USER}:{PASSWORD}")
    for tag, size in (("1.0", 3000), ("1.1", 100)):
        image = make_image(tmp_path / tag, [Layer([File("opt/blob", b"x" * size)])])
        skopeo_push(image, f"{reg.host}/app:{tag}", creds=f"{USER}:{PASSWORD}")
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    code = main(["advise", f"{reg.host}/app:1.0", "--insecure", "--username", USER,
                 "--password-stdin", "-f", "json"])  # fmt: skip
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    rows = {r["tag"]: r for r in out["ranked"]}
    assert set(rows) == {"1.0", "1.1"}
    assert all(r["error"] is None for r in rows.values())  # both measured
    assert rows["1.1"]["size"] < rows["1.0"]["size"]
    assert out["from"] == f"FROM {reg.host}/app:1.1"
