"""Issue 10, point 8 (secrets): one secret is one finding that lists every place it lives,
through the CLI: a key in a layer's file, in the history entry that wrote it and on the
Dockerfile line; and the real secret-deleted image's key, deleted by a later layer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.imagebuilder import Dir, File, Layer, make_image
from tests.secrets.corpus import checksummed

from .conftest import run_cli


def _secrets(doc: Any) -> list[dict[str, Any]]:
    return [f for f in doc["findings"] if f["practice"] == "secrets"]


@pytest.fixture
def token_image(tmp_path: Path) -> tuple[str, Path, str]:
    token = checksummed("ghp_")
    run = f"echo 'GITHUB_TOKEN={token}' > /app/.env"
    img = make_image(
        tmp_path / "img.tar",
        [
            Layer([Dir("app"), File("app/.env", f"GITHUB_TOKEN={token}\n".encode())]),
            Layer([Dir("app"), File("app/x", b"x")]),
        ],
        form="docker-archive",
        history=[{"created_by": f"/bin/sh -c {run}"}, {"created_by": "COPY x /app/x"}],
    )
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(f"FROM scratch\nRUN {run}\nCOPY x /app/x\n")
    return img.reference, dockerfile, token


def test_one_secret_in_three_places_is_one_finding(
    token_image: tuple[str, Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    reference, dockerfile, token = token_image
    args = ["scan", reference, "--dockerfile", str(dockerfile), "--no-vulns", "-q"]
    run = run_cli(capsys, [*args, "-f", "json"])
    assert token not in run.out and token not in run.err
    (finding,) = _secrets(run.json())  # before: github-token twice and HC6001
    assert finding["rule"] == "github-token" and finding["severity"] == "critical"
    assert finding["location"]["file"] == "/app/.env"  # the contract's location is kept
    places = finding["places"]
    assert [p["kind"] for p in places] == ["file", "history", "dockerfile"]
    assert places[0]["layer_index"] == 0 and places[0]["deleted"] is False
    assert places[1]["history_index"] == 0
    assert (places[2]["path"], places[2]["line"]) == (str(dockerfile), 2)
    assert finding["also_found_by"] == "HC6001"
    assert len(set(finding["fingerprints"])) == 3
    table = run_cli(capsys, [*args, "--color", "never"])
    assert token not in table.out
    assert "secrets (1)" in table.out
    assert "· history[0] in layer 0" in table.out
    assert f"· Dockerfile {dockerfile}:2" in table.out


@pytest.mark.images
def test_deleted_key_in_a_real_image_says_where_and_that_it_was_deleted(
    test_images: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reference = f"docker-archive:{test_images / 'docker-archive' / 'secret-deleted.tar'}"
    run = run_cli(capsys, ["scan", reference, "--no-vulns", "-q", "-f", "json"])
    (key,) = _secrets(run.json())
    (place,) = key["places"]
    assert place["kind"] == "file" and place["file"] == "/root/.ssh/id_rsa"
    assert place["layer_index"] == 1
    assert (place["deleted"], place["hidden_by_layer"], place["hidden_how"]) == (True, 2, "deleted")
    assert "BEGIN OPENSSH PRIVATE KEY" not in run.out
