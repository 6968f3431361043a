"""Build real Dockerfiles with buildah before and after ``hullcheck fix`` and compare.

Ten Dockerfiles of the shared corpus whose packages exist in Debian bookworm, adapted
only where they cannot build here (FROM points at the real test images loaded from their
docker-archive tarballs: no public registry is reachable; the files they COPY are
stubbed), plus the python-npm test image's own recipe.  For each: lint findings before
and after, both builds' result, packages added and removed by the fix (only the
recommended packages ``--no-install-recommends`` drops may go, nothing may be added),
and the image size.  apt-get, pip and npm reach their package registries.

    sudo .venv/bin/python bench/fix_buildah.py [--unsafe] [--only NAME]
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hullcheck.fix.engine import FixEngine
from hullcheck.fix.registry import select
from hullcheck.lint import Linter
from hullcheck.policy.config import DEFAULT
from tests.fixtures.buildah import Buildah

SHARED = Path(os.environ.get("HULLCHECK_SHARED", "/work/shared"))
IMAGES = Path(os.environ.get("HULLCHECK_TEST_IMAGES", "/work/main/.cache/test-images"))
CORPUS = SHARED / "corpus" / "dockerfiles"
MINBASE = "localhost/hullcheck/debian-minbase:12"
PYTHON = "localhost/hullcheck/python-npm:12"
NGINX_CONF = "events {}\nhttp { server { listen 8080; } }\n"


@dataclass
class Case:
    name: str
    path: str | None
    base: str
    stubs: dict[str, str] = field(default_factory=dict)
    text: str | None = None
    replace: tuple[tuple[str, str], ...] = ()
    """Text changes needed to build here (said in the report), applied before fix runs."""
    wheels: tuple[str, ...] = ()
    """Built on this machine with pip (PyPI is reachable here, not from inside builds)."""


CASES = [
    Case("mumble", "moby__buildkit/frontend__dockerfile__parser__testfiles__mumble__Dockerfile",
         MINBASE, {"mumble-server.ini": "welcometext=hi\n"}),
    Case("znc", "moby__buildkit/frontend__dockerfile__parser__testfiles__znc__Dockerfile",
         MINBASE, {"conf/znc.conf": "Version = 1.8\n"}),
    Case("nginx", "moby__buildkit/frontend__dockerfile__parser__testfiles__nginx__Dockerfile",
         MINBASE, {"etc/nginx.conf": NGINX_CONF}),
    Case("nullmailer", "vimagick__dockerfiles/nullmailer__Dockerfile.debian", MINBASE),
    Case("stress", "jessfraz__dockerfiles/stress__Dockerfile", MINBASE),
    Case("debootstrap", "jessfraz__dockerfiles/debootstrap__Dockerfile", MINBASE),
    Case("jq", "getsentry__self-hosted/jq__Dockerfile", MINBASE),
    Case("seed-data", "dockersamples__example-voting-app/seed-data__Dockerfile", PYTHON,
         {"make-data.py": "print('data')\n", "generate-votes.sh": "#!/bin/sh\necho votes\n"},
         # python:3.9-slim runs as root and has `python`; the python-npm image neither
         replace=(("# add apache bench", "USER root\n# add apache bench"),
                  ("RUN python make-data.py", "RUN python3 make-data.py"))),
    Case("nnp-test", "moby__moby/contrib__nnp-test__Dockerfile", MINBASE,
         {"nnp-test.c": "int main(void) { return 0; }\n"}),
    Case("syscall-test", "moby__moby/contrib__syscall-test__Dockerfile", MINBASE,
         {f"{n}.c": "int main(void) { return 0; }\n"
          for n in ("userns", "ns", "acct", "setuid", "setgid", "socket", "raw")}
         | {"exit32.s": ""}),
    Case("python-npm (test image)", None, MINBASE, text=(
        "FROM debian:bookworm\n"
        "RUN apt-get update && apt-get install -y python3 python3-venv\n"
        "COPY wheels /tmp/wheels\n"
        "RUN python3 -m venv /opt/venv \\\n"
        "    && /opt/venv/bin/pip install --no-index --find-links /tmp/wheels six chardet\n"
        "CMD /opt/venv/bin/python3 -c 'import six, chardet'\n"
    ), wheels=("six==1.16.0", "chardet==3.0.4")),
]  # fmt: skip


def adapt(text: str, base: str) -> str:
    """Point every FROM at the local base (keeping any AS name); nothing else changes."""
    return re.sub(r"(?im)^(FROM\s+)(--platform=\S+\s+)?\S+", lambda m: m.group(1) + base, text)


def main() -> int:
    unsafe = "--unsafe" in sys.argv
    only = set(sys.argv[sys.argv.index("--only") + 1].split(",")) if "--only" in sys.argv else None
    why = Buildah.usable()
    if why is not None:
        print(why)
        return 2
    engine = FixEngine(select(None, unsafe, False), config=DEFAULT)
    linter = Linter()
    work = Path(tempfile.mkdtemp(prefix="hc-fix-buildah-"))
    buildah = Buildah(work / "store")
    failures = 0
    rows = []
    try:
        buildah.load(IMAGES / "docker-archive" / "debian-minbase.tar", MINBASE)
        buildah.load(IMAGES / "docker-archive" / "python-npm.tar", PYTHON)
        for case in CASES:
            if only and case.name not in only:
                continue
            raw = case.text if case.text is not None else (CORPUS / str(case.path)).read_text()
            text = adapt(raw, case.base)
            for old, new in case.replace:
                text = text.replace(old, new)
            ctx = work / re.sub(r"\W+", "-", case.name)
            ctx.mkdir()
            for rel, content in case.stubs.items():
                (ctx / rel).parent.mkdir(parents=True, exist_ok=True)
                (ctx / rel).write_text(content)
            if case.wheels:
                subprocess.run(
                    [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w",
                     str(ctx / "wheels"), *case.wheels],
                    check=True, capture_output=True, timeout=300,
                )  # fmt: skip
            result = engine.fix_text(text, str(ctx / "Dockerfile"))
            (ctx / "Dockerfile.before").write_text(text)
            (ctx / "Dockerfile.after").write_text(result.text)
            found_before = len(linter.lint_text(text, "Dockerfile", DEFAULT).findings)
            found_after = len(linter.lint_text(result.text, "Dockerfile", DEFAULT).findings)
            started = time.perf_counter()
            old = buildah.build(ctx, ctx / "Dockerfile.before", "before")
            new = buildah.build(ctx, ctx / "Dockerfile.after", "after")
            took = time.perf_counter() - started
            added = sorted(new.packages - old.packages)
            removed = sorted(old.packages - new.packages)
            ok = old.ok and new.ok and not added
            failures += not ok
            rows.append((
                case.name, found_before, found_after, len(result.applied),
                "yes" if old.ok else "NO", "yes" if new.ok else "NO", len(old.packages),
                len(new.packages), len(removed), len(added), old.size >> 10, new.size >> 10,
                f"{took:.0f}s",
            ))  # fmt: skip
            print(f"{case.name}: fixes {[c.fixer for c in result.applied]}", flush=True)
            if removed:
                print(f"  removed packages: {', '.join(n for n, _v in removed)}")
            if added:
                print(f"  ADDED packages: {added}")
            for built, label in ((old, "before"), (new, "after")):
                if not built.ok:
                    print(f"  {label} build failed:\n{built.log[-1500:]}")
            buildah.remove("before", "after")
            shutil.rmtree(work / "store" / "oci", ignore_errors=True)
    finally:
        buildah.close()
        shutil.rmtree(work, ignore_errors=True)
    head = (
        "dockerfile", "findings before", "after", "fixes", "builds before", "after",
        "packages before", "after", "removed", "added", "KiB before", "after", "build time",
    )  # fmt: skip
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")
    total_b = sum(int(r[1]) for r in rows)
    total_a = sum(int(r[2]) for r in rows)
    print(f"{len(rows)} Dockerfiles, findings {total_b} -> {total_a}, failures: {failures}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
