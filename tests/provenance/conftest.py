"""A real registry (Debian's docker-registry on 127.0.0.1) holding small built images."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from hullcheck.provenance import keys
from tests.fixtures.imagebuilder import BuiltImage, File, Layer, make_image
from tests.sources.test_registry_integration import Registry, start_registry


@dataclass
class Pushed:
    registry: Registry
    single: BuiltImage
    other: BuiltImage
    multi: BuiltImage


def skopeo_push(
    image: BuiltImage, dest: str, *, all_: bool = False, creds: str | None = None
) -> None:
    cmd = ["skopeo", "copy", "-q", "--dest-tls-verify=false"]
    if all_:
        cmd.append("--all")
    if creds:
        cmd += ["--dest-creds", creds]
    cmd += [image.reference, f"docker://{dest}"]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)


def build_images(root: Path) -> tuple[BuiltImage, BuiltImage, BuiltImage]:
    single = make_image(root / "single", [Layer([File("etc/app.conf", b"one\n")])])
    other = make_image(root / "other", [Layer([File("etc/app.conf", b"two\n")])])
    multi = make_image(
        root / "multi",
        [Layer([File("etc/app.conf", b"multi\n")])],
        platforms=["linux/amd64", "linux/arm64"],
    )
    return single, other, multi


@pytest.fixture(scope="module")
def pushed(
    request: pytest.FixtureRequest, shared_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Pushed:
    reg = start_registry(request, shared_dir, tmp_path_factory.mktemp("reg-prov"))
    single, other, multi = build_images(tmp_path_factory.mktemp("imgs"))
    skopeo_push(single, f"{reg.host}/app/single:1")
    skopeo_push(other, f"{reg.host}/app/other:1")
    skopeo_push(multi, f"{reg.host}/app/multi:1", all_=True)
    return Pushed(reg, single, other, multi)


@dataclass
class KeyPair:
    private: Path
    public: Path


def write_key(root: Path, name: str, password: bytes = b"pw") -> KeyPair:
    key = keys.generate()
    priv, pub = root / f"{name}.key", root / f"{name}.pub"
    priv.write_bytes(keys.encrypted_private_pem(key, password))
    pub.write_bytes(keys.public_pem(key.public_key()))
    return KeyPair(priv, pub)


@pytest.fixture(scope="module")
def keypair(tmp_path_factory: pytest.TempPathFactory) -> KeyPair:
    return write_key(tmp_path_factory.mktemp("keys"), "one")


@pytest.fixture(scope="module")
def other_keypair(tmp_path_factory: pytest.TempPathFactory) -> KeyPair:
    return write_key(tmp_path_factory.mktemp("keys2"), "two")


@pytest.fixture(autouse=True)
def _password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HULLCHECK_PASSWORD", "pw")
