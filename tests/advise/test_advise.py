"""``hullcheck advise`` against a real registry (Debian's docker-registry on 127.0.0.1)
holding real variants: bullseye and bookworm minbase, and bookworm with Python and npm."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from hullcheck.advise import candidates, parse_tag
from hullcheck.cli.main import main
from tests.diff.test_real_pairs import DIFF_IMAGES
from tests.sources.test_registry_integration import Registry, start_registry

ACCEPT = ["--allow-incomplete", "vulnerability-coverage"]  # no Debian advisories offline


def _push(source: str, reg: Registry, dest: str) -> None:
    subprocess.run(
        ["skopeo", "copy", "-q", "--dest-tls-verify=false", source, f"docker://{reg.host}/{dest}"],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip


@pytest.fixture(scope="module")
def registry(
    request: pytest.FixtureRequest,
    shared_dir: Path,
    test_images: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Registry:
    manifest = DIFF_IMAGES / "MANIFEST.txt"
    if not manifest.is_file() or "debian-standard" not in manifest.read_text():
        why = f"diff images (with debian-standard) not built at {DIFF_IMAGES}"
        if os.environ.get("CI"):
            pytest.fail(f"{why}: scripts/test.sh builds them")
        pytest.skip(f"{why}: remove the folder and run scripts/make-diff-images.sh")
    reg = start_registry(request, shared_dir, tmp_path_factory.mktemp("reg-advise"))
    oci = test_images / "oci"
    _push(f"oci:{DIFF_IMAGES / 'oci'}:debian-bullseye-minbase", reg, "test/debian:11")
    _push(f"oci:{oci}:debian-minbase", reg, "test/debian:12")
    _push(f"oci:{oci}:python-npm", reg, "test/debian:12-python")
    _push(f"oci:{DIFF_IMAGES / 'oci'}:debian-standard", reg, "test/debian:12-standard")
    return reg


def _advise(capsys: pytest.CaptureFixture[str], target: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    code = main(["advise", target, "--insecure", "-f", "json", *ACCEPT])
    return code, json.loads(capsys.readouterr().out)


def _is_ranked_by_its_numbers(rows: list[dict]) -> bool:  # type: ignore[type-arg]
    order = {"supported": 0, "extended support": 1, "unknown": 2, "end of life": 3}

    def key(r: dict) -> tuple:  # type: ignore[type-arg]
        return (order[r["support"]], r["critical_high"], r["vulnerabilities"],
                r["runs_as_root"], r["packages"], r["size"])  # fmt: skip

    return [key(r) for r in rows] == sorted(key(r) for r in rows)


@pytest.mark.registry
@pytest.mark.images
@pytest.mark.timeout(900)
def test_bullseye_is_told_to_move_to_bookworm(
    registry: Registry, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _advise(capsys, f"{registry.host}/test/debian:11")
    assert code == 0
    rows = out["ranked"]
    assert [(r["tag"], r["why"]) for r in rows] == [("12", "next release"), ("11", "current")]
    by_tag = {r["tag"]: r for r in rows}
    assert "bullseye" in by_tag["11"]["distro"] and "bookworm" in by_tag["12"]["distro"]
    assert by_tag["11"]["support"] == "end of life"
    assert by_tag["12"]["support"] in ("supported", "extended support")
    assert by_tag["11"]["packages"] > 50 and by_tag["12"]["packages"] > 50
    assert _is_ranked_by_its_numbers(rows)
    assert out["from"] == f"FROM {registry.host}/test/debian:12"
    # no Debian advisories in the default database: a count of 0 that says it is not a zero
    assert by_tag["11"]["not_checked"] == {"Debian:11": by_tag["11"]["packages"]}
    assert by_tag["12"]["not_checked"] == {"Debian:12": by_tag["12"]["packages"]}
    assert not by_tag["11"]["complete"] and not by_tag["12"]["complete"]


@pytest.mark.registry
@pytest.mark.images
@pytest.mark.timeout(900)
def test_dockerfile_on_the_fat_variant(
    registry: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(
        f"FROM {registry.host}/test/debian:12-python AS app\nFROM app\nUSER 1000\n"
    )
    code, out = _advise(capsys, str(dockerfile))
    assert code == 0
    rows = {r["tag"]: r for r in out["ranked"]}
    assert set(rows) == {"12-python", "12", "12-standard"}  # 11 is older: never a candidate
    assert rows["12"]["why"] == "another variant of this release"
    assert rows["12-python"]["vulnerabilities"] > 0  # its Python packages carry advisories
    assert rows["12-python"]["packages"] > rows["12"]["packages"]
    assert rows["12-python"]["runs_as_root"] is False and rows["12"]["runs_as_root"] is True
    assert _is_ranked_by_its_numbers(out["ranked"])
    assert out["ranked"][0]["tag"] == "12"
    assert out["from"] == f"FROM {registry.host}/test/debian:12 AS app"


def test_candidates_from_tags() -> None:
    tags = ["11", "11.9", "11.10", "11-slim", "12", "12-slim", "12.1", "13", "bookworm",
            "latest", "10", "11.10-slim"]  # fmt: skip
    found = dict(candidates("11.9", tags))
    assert found == {"11.10": "newer patch release", "12": "next release",
                     "12-slim": "next release", "13": "next release",
                     "bookworm": "next release"}  # fmt: skip
    assert dict(candidates("11", tags))["11-slim"] == "another variant of this release"
    assert parse_tag("bookworm-slim").version == (12,)
    assert parse_tag("3.11-slim-bookworm").variant == frozenset({"slim", "bookworm"})


@pytest.fixture(scope="module")
def app_registry(registry: Registry, builds: tuple[Path, Path]) -> Registry:
    """The old and new buildah builds of one app (tests/advise/conftest.py) as 1.0 and 1.1."""
    _work, layout = builds
    _push(f"oci:{layout}:app-old", registry, "test/app:1.0")
    _push(f"oci:{layout}:app-new", registry, "test/app:1.1")
    return registry


@pytest.mark.registry
@pytest.mark.images
@pytest.mark.timeout(900)
def test_old_build_is_told_to_move_to_the_new_one(
    app_registry: Registry, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _advise(capsys, f"{app_registry.host}/test/app:1.0")
    assert code == 0
    rows = out["ranked"]
    assert [(r["tag"], r["why"]) for r in rows] == [("1.1", "newer patch release"),
                                                     ("1.0", "current")]  # fmt: skip
    by_tag = {r["tag"]: r for r in rows}
    assert by_tag["1.0"]["support"] == "end of life" and by_tag["1.0"]["runs_as_root"]
    assert not by_tag["1.1"]["runs_as_root"]
    # Jinja2's advisories are gone in 1.1; the Debian packages are said not checked
    assert by_tag["1.0"]["vulnerabilities"] > by_tag["1.1"]["vulnerabilities"] > 0
    assert by_tag["1.1"]["not_checked"] == {"Debian:12": 96}
    assert _is_ranked_by_its_numbers(rows)
    assert out["from"] == f"FROM {app_registry.host}/test/app:1.1"


@pytest.mark.registry
@pytest.mark.images
@pytest.mark.timeout(900)
def test_two_versions_in_a_registry_judged_without_dockerfiles(
    app_registry: Registry, capsys: pytest.CaptureFixture[str]
) -> None:
    """advise OLD NEW on registry images, no Dockerfile: causes are the layers' history."""
    host = app_registry.host
    code = main(["advise", f"{host}/test/app:1.0", f"{host}/test/app:1.1", "--insecure",
                 "-f", "json", *ACCEPT])  # fmt: skip
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    (model,) = [c for c in out["changes"] if c["kind"] == "size" and "new layer" in c["summary"]]
    assert model["cause"]["build"] == "new" and model["cause"]["path"] is None
    assert "model.bin" in model["cause"]["text"] and model["cause"]["layer_index"] == 2
    key = [c for c in out["changes"] if c["kind"] == "finding" and "private-key" in c["summary"]]
    assert key and key[0]["verdict"] == "better" and "id_rsa" in key[0]["cause"]["text"]


@pytest.mark.registry
@pytest.mark.images
@pytest.mark.timeout(900)
def test_standard_is_told_to_move_to_minbase(
    registry: Registry, capsys: pytest.CaptureFixture[str]
) -> None:
    """Debian's standard variant against minbase (and the Python one) of the same release."""
    code, out = _advise(capsys, f"{registry.host}/test/debian:12-standard")
    assert code == 0
    rows = out["ranked"]
    by_tag = {r["tag"]: r for r in rows}
    assert set(by_tag) == {"12-standard", "12", "12-python"}
    assert by_tag["12"]["why"] == by_tag["12-python"]["why"] == "another variant of this release"
    assert by_tag["12-standard"]["packages"] > 2 * by_tag["12"]["packages"]
    assert by_tag["12-standard"]["size"] > 2 * by_tag["12"]["size"]
    assert _is_ranked_by_its_numbers(rows)
    assert [r["tag"] for r in rows] == ["12", "12-standard", "12-python"]
    assert out["from"] == f"FROM {registry.host}/test/debian:12"


@pytest.mark.registry
@pytest.mark.images
@pytest.mark.timeout(900)
def test_table_says_what_was_not_checked(
    registry: Registry, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["advise", f"{registry.host}/test/debian:11", "--insecure", *ACCEPT])
    text = capsys.readouterr().out
    assert code == 0
    assert (
        "(the vulnerability columns, and the ranking by them, count only what was checked)" in text
    )
    assert "11: vulnerabilities NOT checked for Debian:11 96 packages" in text
    assert "12: vulnerabilities NOT checked for Debian:12 96 packages" in text


def _first_layer(layout: Path, tag: str) -> str:
    for desc in json.loads((layout / "index.json").read_text())["manifests"]:
        if desc["annotations"]["org.opencontainers.image.ref.name"] == tag:
            manifest = json.loads((layout / "blobs" / "sha256" / desc["digest"][7:]).read_text())
            return str(manifest["layers"][0]["digest"])
    raise AssertionError(f"{tag} not in {layout}")


@pytest.fixture
def lost_layer_registry(
    request: pytest.FixtureRequest,
    shared_dir: Path,
    test_images: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Registry:
    """bullseye as ``lost/debian:11`` and bookworm as ``:12``, whose layer is then deleted
    from the registry's storage (and no blob cache can serve it)."""
    monkeypatch.setenv("HULLCHECK_CACHE_DIR", str(tmp_path / "cache"))
    reg = start_registry(request, shared_dir, tmp_path / "reg")
    _push(f"oci:{DIFF_IMAGES / 'oci'}:debian-bullseye-minbase", reg, "lost/debian:11")
    _push(f"oci:{test_images / 'oci'}:debian-minbase", reg, "lost/debian:12")
    layer = _first_layer(test_images / "oci", "debian-minbase")[7:]
    storage = tmp_path / "reg" / "data" / "docker" / "registry" / "v2" / "blobs" / "sha256"
    (storage / layer[:2] / layer / "data").unlink()
    return reg


@pytest.mark.registry
@pytest.mark.images
@pytest.mark.timeout(900)
def test_a_candidate_read_in_part_is_not_measured_nor_recommended(
    lost_layer_registry: Registry, capsys: pytest.CaptureFixture[str]
) -> None:
    """With its only layer unreadable, bookworm would look like a perfect image (no packages,
    no vulnerabilities): it must rank last as not measured, the advice must not name it, and
    the run exits 2 unless exactly that loss is accepted."""
    target = f"{lost_layer_registry.host}/lost/debian:11"
    code = main(["advise", target, "--insecure", "-f", "json", *ACCEPT])
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert code == 2
    assert [r["tag"] for r in out["ranked"]] == ["11", "12"]
    assert out["ranked"][1]["error"].startswith("the scan was incomplete: ")
    assert out["from"] == f"FROM {target}"
    assert "accept with --allow-incomplete advise-unmeasured" in captured.err

    code = main(
        ["advise", target, "--insecure", *ACCEPT, "--allow-incomplete", "advise-unmeasured"]
    )
    table = capsys.readouterr().out
    assert code == 0
    assert "not measured: the scan was incomplete" in table
    assert "best: 11 (current)" in table
