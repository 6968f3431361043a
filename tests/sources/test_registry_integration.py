"""Reading the real test images back from a real registry (docker-registry 2.8).

The images are pushed with skopeo from the OCI layout, then read with hullcheck's client
with no auth, basic auth (config.json and a credential helper) and bearer tokens; every
manifest and blob must hash to the digests recorded in the layout itself.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from hullcheck.errors import RegistryError
from hullcheck.sources.base import Platform
from hullcheck.sources.registry import RegistryOptions, open_registry_source

pytestmark = [pytest.mark.registry, pytest.mark.images]

USER, PASSWORD = "alice", "correct-horse"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


def stop_pid(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(10):  # a throwaway registry need not drain gracefully
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)


@dataclass
class Registry:
    host: str
    creds: str | None = None


def start_registry(
    request: pytest.FixtureRequest,
    shared: Path,
    workdir: Path,
    creds: str | None = None,
    env: dict[str, str] | None = None,
) -> Registry:
    port = free_port()
    args = [str(shared / "tools" / "start-registry.sh"), str(workdir), str(port)]
    if creds:
        args.append(creds)
    out = subprocess.run(
        args, capture_output=True, text=True, check=True, env={**os.environ, **(env or {})}
    )
    pid = int(out.stdout.split()[-1])
    request.addfinalizer(lambda: stop_pid(pid))
    return Registry(f"127.0.0.1:{port}", creds)


def push(
    images: Path, reg: Registry, name: str, repo: str, *, all_: bool = False, v2s2: bool = False
) -> None:
    cmd = ["skopeo", "copy", "-q", "--dest-tls-verify=false"]
    if all_:
        cmd.append("--all")
    if v2s2:
        cmd += ["--format", "v2s2"]
    if reg.creds:
        cmd += ["--dest-creds", reg.creds]
    cmd += [f"oci:{images / 'oci'}:{name}", f"docker://{reg.host}/{repo}:latest"]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)


class Layout:
    """The OCI layout the images came from: the truth the registry copy is checked against."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.index = json.loads((root / "index.json").read_text())

    def digest_of(self, name: str) -> str:
        for desc in self.index["manifests"]:
            if desc["annotations"]["org.opencontainers.image.ref.name"] == name:
                return str(desc["digest"])
        raise KeyError(name)

    def blob(self, digest: str) -> bytes:
        algo, hexpart = digest.split(":")
        return (self.root / "blobs" / algo / hexpart).read_bytes()


@pytest.fixture(scope="module")
def layout(test_images: Path) -> Layout:
    return Layout(test_images / "oci")


@pytest.fixture(scope="module")
def open_registry(
    request: pytest.FixtureRequest,
    shared_dir: Path,
    test_images: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Registry:
    reg = start_registry(request, shared_dir, tmp_path_factory.mktemp("reg-open"))
    push(test_images, reg, "python-npm", "test/python-npm")
    push(test_images, reg, "debian-multiarch", "test/multiarch", all_=True)
    push(test_images, reg, "debian-multiarch", "test/docker-list", all_=True, v2s2=True)
    return reg


@pytest.fixture(scope="module")
def basic_registry(
    request: pytest.FixtureRequest,
    shared_dir: Path,
    test_images: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Registry:
    reg = start_registry(
        request, shared_dir, tmp_path_factory.mktemp("reg-basic"), f"{USER}:{PASSWORD}"
    )
    push(test_images, reg, "debian-minbase", "test/minbase")
    return reg


@pytest.fixture(scope="module")
def token_registry(
    request: pytest.FixtureRequest,
    shared_dir: Path,
    test_images: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Registry:
    tokdir = tmp_path_factory.mktemp("token")
    tport = free_port()
    # The token server needs `cryptography`, which the system python has.
    proc = subprocess.Popen(
        [
            "python3",
            str(shared_dir / "tools" / "registry-token-server.py"),
            str(tokdir),
            str(tport),
            f"{USER}:{PASSWORD}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def stop() -> None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    request.addfinalizer(stop)
    wait_port(tport)
    env = {
        "TOKEN_REALM": f"http://127.0.0.1:{tport}/token",
        "TOKEN_CERT": str(tokdir / "signer.crt"),
    }
    reg = start_registry(request, shared_dir, tmp_path_factory.mktemp("reg-token"), env=env)
    reg.creds = f"{USER}:{PASSWORD}"
    push(test_images, reg, "secret-deleted", "test/secret-deleted")
    return reg


@pytest.fixture
def no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cfg = tmp_path / "docker"
    cfg.mkdir()
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("DOCKER_CONFIG", str(cfg))
    monkeypatch.delenv("REGISTRY_AUTH_FILE", raising=False)
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    return cfg


def read_image(ref: str, layout: Layout, options: RegistryOptions, want: str) -> int:
    """Fetch ``ref`` and every blob; all must match the layout's manifest ``want``."""
    with open_registry_source(ref, options) as src:
        root = src.root_manifest()
        assert root.digest == want
        assert root.body == layout.blob(want)
        assert root.media_type == "application/vnd.oci.image.manifest.v1+json"
        assert src.info.details["digest"] == want
        doc = json.loads(root.body)
        total = 0
        for desc in [doc["config"], *doc["layers"]]:
            with src.open_blob(desc["digest"], desc["size"]) as fh:
                h = hashlib.sha256()
                while chunk := fh.read(1 << 20):
                    h.update(chunk)
                    total += len(chunk)
            assert f"sha256:{h.hexdigest()}" == desc["digest"]
            assert (layout.root / "blobs" / "sha256" / h.hexdigest()).is_file()
        return total


def test_anonymous_pull_by_tag_and_digest(
    open_registry: Registry, layout: Layout, no_user_config: Path
) -> None:
    want = layout.digest_of("python-npm")
    opts = RegistryOptions(timeout=10)
    total = read_image(f"{open_registry.host}/test/python-npm:latest", layout, opts, want)
    assert total > 100_000_000
    read_image(f"{open_registry.host}/test/python-npm@{want}", layout, opts, want)


def test_missing_tag_and_blob(open_registry: Registry, no_user_config: Path) -> None:
    with open_registry_source(f"{open_registry.host}/test/python-npm:nope") as src:
        with pytest.raises(RegistryError, match=r"not found .*MANIFEST_UNKNOWN"):
            src.root_manifest()
        with pytest.raises(RegistryError, match="not found"):
            src.open_blob("sha256:" + "1" * 64, 10)


def test_multiarch_index_and_platform_selection(
    open_registry: Registry, layout: Layout, no_user_config: Path
) -> None:
    with open_registry_source(f"{open_registry.host}/test/multiarch") as src:
        root = src.root_manifest()
        assert root.digest == layout.digest_of("debian-multiarch")
        assert root.media_type == "application/vnd.oci.image.index.v1+json"
        index = json.loads(root.body)
        chosen = {}
        for desc in index["manifests"]:
            p = desc["platform"]
            chosen[str(Platform(p["os"], p["architecture"], p.get("variant")))] = desc
        i386 = chosen[str(Platform.parse("linux/386"))]
        manifest = src.fetch_manifest(i386["digest"])
        assert manifest.digest == layout.digest_of("debian-minbase-i386")
        assert manifest.body == layout.blob(manifest.digest)
        amd64 = src.fetch_manifest(chosen["linux/amd64"]["digest"])
        assert amd64.digest == layout.digest_of("debian-minbase")


def test_basic_auth_from_config_json(
    basic_registry: Registry, layout: Layout, no_user_config: Path
) -> None:
    ref = f"{basic_registry.host}/test/minbase"
    with pytest.raises(RegistryError, match="unauthorized, no credentials found"):
        read_image(ref, layout, RegistryOptions(), "")
    auth = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    (no_user_config / "config.json").write_text(
        json.dumps({"auths": {f"http://{basic_registry.host}": {"auth": auth}}})
    )
    read_image(ref, layout, RegistryOptions(), layout.digest_of("debian-minbase"))


def test_basic_auth_wrong_password(
    basic_registry: Registry, layout: Layout, tmp_path: Path, no_user_config: Path
) -> None:
    cfg = tmp_path / "elsewhere.json"
    auth = base64.b64encode(f"{USER}:wrong".encode()).decode()
    cfg.write_text(json.dumps({"auths": {basic_registry.host: {"auth": auth}}}))
    with pytest.raises(RegistryError) as err:
        read_image(
            f"{basic_registry.host}/test/minbase", layout, RegistryOptions(auth_config=cfg), ""
        )
    assert "credentials from" in str(err.value) and "were refused" in str(err.value)
    assert "Tr0ub4dor" not in str(err.value)


def test_basic_auth_from_credential_helper(
    basic_registry: Registry,
    layout: Layout,
    tmp_path: Path,
    no_user_config: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    helper = bin_dir / "docker-credential-hctest"
    helper.write_text(
        "#!/bin/sh\nread server\n"
        f'[ "$1" = get ] && [ "$server" = "{basic_registry.host}" ] || exit 1\n'
        f'printf \'{{"ServerURL":"%s","Username":"{USER}","Secret":"{PASSWORD}"}}\' "$server"\n'
    )
    helper.chmod(helper.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    (no_user_config / "config.json").write_text(
        json.dumps({"credHelpers": {basic_registry.host: "hctest"}})
    )
    read_image(
        f"{basic_registry.host}/test/minbase",
        layout,
        RegistryOptions(),
        layout.digest_of("debian-minbase"),
    )


def test_bearer_token_anonymous_and_with_credentials(
    token_registry: Registry, layout: Layout, tmp_path: Path, no_user_config: Path
) -> None:
    want = layout.digest_of("secret-deleted")
    ref = f"{token_registry.host}/test/secret-deleted"
    read_image(ref, layout, RegistryOptions(), want)
    read_image(ref, layout, RegistryOptions(username=USER, password=PASSWORD), want)
    with pytest.raises(RegistryError, match="refused the credentials from command line"):
        read_image(ref, layout, RegistryOptions(username=USER, password="nope"), want)


def test_fixture_pushed_through_the_registry(open_registry: Registry) -> None:
    # Guard: the fixture really pushed through the registry (the catalog lists our repos).
    import httpx

    body = httpx.get(f"http://{open_registry.host}/v2/_catalog", timeout=5).json()
    assert {"test/python-npm", "test/multiarch"} <= set(body["repositories"])


def test_end_to_end_through_open_image(
    open_registry: Registry, layout: Layout, tmp_path: Path, no_user_config: Path
) -> None:
    """The dispatcher, platform choice, walker and blob cache on top of the registry source."""
    from hullcheck.sources.api import open_image
    from hullcheck.sources.open import SourceOptions

    options = SourceOptions(cache_dir=tmp_path / "cache", timeout=20)
    ref = f"registry:{open_registry.host}/test/multiarch:latest"
    with open_image(ref, platform=Platform.parse("linux/386"), options=options) as handle:
        image = handle.image
        assert image.manifest_digest == layout.digest_of("debian-minbase-i386")
        assert image.index_digest == layout.digest_of("debian-multiarch")
        assert str(image.platform) == "linux/386"
        result = handle.walk()
        assert result.complete
        assert result.view.get("/etc/os-release") is not None
    manifest = json.loads(layout.blob(layout.digest_of("debian-minbase-i386")))
    for desc in manifest["layers"]:  # the walker's tee cached every layer by digest
        cached = tmp_path / "cache" / "blobs" / "sha256" / desc["digest"][7:]
        assert hashlib.sha256(cached.read_bytes()).hexdigest() == desc["digest"][7:]


def test_scan_cli_against_the_registry(
    open_registry: Registry, layout: Layout, tmp_path: Path, no_user_config: Path
) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    ok = subprocess.run(
        [
            sys.executable,
            "-m",
            "hullcheck",
            "scan",
            f"{open_registry.host}/test/python-npm",
            *("--format", "json", "--fail-on", "none", "--no-vulns"),
            "--cache-dir",
            str(tmp_path / "cache"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    target = json.loads(ok.stdout)["target"]
    assert target["source"] == "registry"
    assert target["digest"] == layout.digest_of("python-npm")
    missing = subprocess.run(
        [sys.executable, "-m", "hullcheck", "scan", f"{open_registry.host}/test/nope:1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert missing.returncode == 2
    assert "MANIFEST_UNKNOWN" in missing.stderr and "Traceback" not in missing.stderr


def test_docker_schema2_manifest_list(
    open_registry: Registry, layout: Layout, tmp_path: Path, no_user_config: Path
) -> None:
    """Docker media types (manifest list + schema 2) are asked for and read like OCI ones."""
    from hullcheck.sources.api import open_image
    from hullcheck.sources.open import SourceOptions

    with open_registry_source(f"{open_registry.host}/test/docker-list") as src:
        root = src.root_manifest()
        assert root.media_type == "application/vnd.docker.distribution.manifest.list.v2+json"
    oci = json.loads(layout.blob(layout.digest_of("debian-minbase-i386")))
    diff_ids = json.loads(layout.blob(oci["config"]["digest"]))["rootfs"]["diff_ids"]
    options = SourceOptions(cache_dir=tmp_path / "cache")
    ref = f"{open_registry.host}/test/docker-list"
    with open_image(ref, platform=Platform.parse("linux/386"), options=options) as handle:
        assert handle.image.manifest_media_type == (
            "application/vnd.docker.distribution.manifest.v2+json"
        )
        assert handle.image.config_digest == oci["config"]["digest"]
        assert [layer.diff_id for layer in handle.image.layers] == diff_ids
        assert handle.walk().complete
