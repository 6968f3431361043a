"""The packages a user installs: the wheel and the sdist build from this checkout (offline,
with the build backend of the dev environment), each installs in a fresh virtualenv, and
the installed command lints and scans from outside the repository with no ../shared and
no network: the advisories it matches are the snapshot inside the wheel."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def _fresh_venv(path: Path, wheel: Path) -> Path:
    """A new virtualenv with the wheel installed; its dependencies are the dev
    environment's (a .pth line: installing them again would need the package index)."""
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, timeout=120)
    python = path / "bin" / "python"
    site = _run(
        str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=path
    )
    Path(site.stdout.strip(), "dev-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = _run(
        str(python), "-m", "pip", "install", "--no-deps", "--no-index", "--quiet",
        "--disable-pip-version-check", str(wheel), cwd=path,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr
    return path


def test_wheel_and_sdist_install_and_work_outside_the_repository(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    built = _run(
        sys.executable, "-m", "build", "--no-isolation", "--sdist", "--wheel",
        "--outdir", str(dist), str(ROOT), cwd=tmp_path,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = dist.glob("hullcheck-*.whl")
    (sdist,) = dist.glob("hullcheck-*.tar.gz")
    names = zipfile.ZipFile(wheel).namelist()
    for needed in (
        "hullcheck/data/osv-snapshot.zip",
        "hullcheck/data/eol.json",
        "hullcheck/py.typed",
    ):
        assert needed in names
    assert any(n.endswith(".dist-info/licenses/NOTICE") for n in names)
    assert not any(n.startswith(("tests/", "hullcheck/tests")) for n in names)
    with tarfile.open(sdist) as tar:
        members = tar.getnames()
    assert any(m.endswith("/pyproject.toml") for m in members)
    assert any(m.endswith("/src/hullcheck/data/osv-snapshot.zip") for m in members)

    # the sdist builds a wheel of its own (nothing the build needs is missing from it)
    from_sdist = tmp_path / "from-sdist"
    rebuilt = _run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
        "-w", str(from_sdist), str(sdist), cwd=tmp_path,
    )  # fmt: skip
    assert rebuilt.returncode == 0, rebuilt.stderr[-2000:]
    (sdist_wheel,) = from_sdist.glob("hullcheck-*.whl")

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "Dockerfile").write_bytes((ROOT / "examples" / "Dockerfile").read_bytes())
    image = tmp_path / "example-image"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make-example-image.py"), str(image)],
        check=True,
        timeout=60,
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HULLCHECK_", "PYTHON", "VIRTUAL_ENV"))
    }
    env["HULLCHECK_NO_PROGRESS"] = "1"
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")  # no database: the embedded snapshot
    for name, package in (("wheel", wheel), ("sdist", sdist_wheel)):
        venv = _fresh_venv(tmp_path / f"venv-{name}", package)
        cli = str(venv / "bin" / "hullcheck")
        where = _run(
            str(venv / "bin" / "python"),
            "-c",
            "import hullcheck; print(hullcheck.__file__)",
            cwd=outside,
            env=env,
        )
        assert where.stdout.startswith(str(venv)), where.stdout  # not the checkout's copy
        lint = _run(cli, "lint", "Dockerfile", "-f", "json", cwd=outside, env=env)
        assert lint.returncode == 1 and '"rule": "HC' in lint.stdout, lint.stderr
        if name == "sdist":
            continue  # the same files as the wheel's (checked above): one scan is enough
        scan = _run(cli, "scan", f"oci:{image}:demo", "-f", "json", "-q", cwd=outside, env=env)
        assert scan.returncode == 1, scan.stderr
        assert '"PYSEC-2020-96"' in scan.stdout  # matched from the snapshot inside the wheel
