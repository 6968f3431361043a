"""Build the demo's example image (examples/image/README.md) as an OCI layout, offline.

    python scripts/make-example-image.py OUTDIR

Deterministic: fixed timestamps and owners, sorted entries, gzip without a name or time.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROOTFS = ROOT / "examples" / "image" / "rootfs"
MTIME = 1735689600  # 2025-01-01
# Made of pieces so that no credential-shaped string sits in the repository itself.
DEPLOY_KEY = "sk_live_" + "51Hx7Q2mR9vT4kL8pN3wZ6yB"
TOKEN = "glpat-" + "Zq8Rm2Tx9Vw4Ny7Pk3Ls"


def _info(
    name: str, size: int = 0, kind: bytes = tarfile.REGTYPE, mode: int = 0o644
) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.type, info.mode = size, MTIME, kind, mode
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    return info


def layer(files: dict[str, bytes], dirs: list[str]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(dirs):
            tar.addfile(_info(name, kind=tarfile.DIRTYPE, mode=0o755))
        for name in sorted(files):
            data = files[name]
            tar.addfile(_info(name, len(data)), io.BytesIO(data))
    return out.getvalue()


def rootfs_layer() -> bytes:
    files = {
        p.relative_to(ROOTFS).as_posix(): p.read_bytes() for p in ROOTFS.rglob("*") if p.is_file()
    }
    dirs = sorted({p.relative_to(ROOTFS).as_posix() for p in ROOTFS.rglob("*") if p.is_dir()})
    return layer(files, dirs)


def blob(out: Path, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    (out / "blobs" / "sha256" / digest).write_bytes(data)
    return f"sha256:{digest}"


def main(out: Path) -> None:
    (out / "blobs" / "sha256").mkdir(parents=True, exist_ok=True)
    key_file = f"[deploy]\ntoken = {DEPLOY_KEY}\n".encode()
    tars = [
        (rootfs_layer(), "COPY rootfs/ /"),
        (
            layer({"root/.config/deploy.ini": key_file}, ["root", "root/.config"]),
            "RUN /opt/app/fetch-assets.sh  # reads /root/.config/deploy.ini",
        ),
        (
            layer({"root/.config/.wh.deploy.ini": b""}, ["root", "root/.config"]),
            "RUN rm /root/.config/deploy.ini",
        ),
    ]
    layers, diff_ids, history = [], [], []
    for data, created_by in tars:
        stored = gzip.compress(data, mtime=0)
        layers.append(
            {
                "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                "digest": blob(out, stored),
                "size": len(stored),
            }
        )
        diff_ids.append(f"sha256:{hashlib.sha256(data).hexdigest()}")
        history.append({"created": "2025-01-01T00:00:00Z", "created_by": created_by})
    config = {
        "architecture": "amd64",
        "os": "linux",
        "created": "2025-01-01T00:00:00Z",
        "config": {
            "Env": ["PATH=/opt/app/venv/bin:/usr/bin:/bin", f"GITLAB_TOKEN={TOKEN}"],
            "Cmd": ["python", "/opt/app/app.py"],
            "WorkingDir": "/opt/app",
        },
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": history,
    }
    config_bytes = json.dumps(config, sort_keys=True).encode()
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": blob(out, config_bytes),
            "size": len(config_bytes),
        },
        "layers": layers,
    }
    body = json.dumps(manifest, sort_keys=True).encode()
    index = {
        "schemaVersion": 2,
        "manifests": [
            {
                "mediaType": manifest["mediaType"],
                "digest": blob(out, body),
                "size": len(body),
                "annotations": {"org.opencontainers.image.ref.name": "demo"},
            }
        ],
    }
    (out / "index.json").write_text(json.dumps(index, sort_keys=True))
    (out / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')


if __name__ == "__main__":
    main(Path(sys.argv[1]))
