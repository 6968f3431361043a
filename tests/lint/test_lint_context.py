"""lint over a build context on disk: the Dockerfile's directory, or ``--context DIR``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from hullcheck.dockerfile.buildcontext import BuildContext
from hullcheck.lint import Linter

AWS_ID = "AKIA" + "QZ7RXW2TLM5PNB3K"
ROOT = Path(__file__).resolve().parents[2]


def _tree(root: Path, files: dict[str, str]) -> None:
    for name, body in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(body)


def _context_findings(report_findings: list[object]) -> list[tuple[str, int, str]]:
    out = []
    for f in report_findings:
        rule = getattr(f, "rule", "")
        if rule in ("HC6002", "HC6003"):
            out.append((rule, f.location.line, f.message))
    return sorted(out)


def test_dockerfile_directory_is_the_context(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "Dockerfile": "FROM debian:12\nCOPY . /app\n",
            "conf/settings.py": f"KEY = '{AWS_ID}'\n",
            ".env": "X=1\n",
        },
    )
    report = Linter().lint_paths([str(tmp_path)])
    found = _context_findings(report.findings)
    assert [(r, line) for r, line, _ in found] == [("HC6002", 2), ("HC6003", 2)]
    assert "context file .env" in found[0][2]
    assert "conf/settings.py:1" in found[1][2]
    assert AWS_ID not in json.dumps([f.to_json() for f in report.findings])


def test_the_dockerfile_itself_is_not_reported_twice(tmp_path: Path) -> None:
    text = f"FROM debian:12\nENV AWS_ACCESS_KEY_ID={AWS_ID}\nCOPY . /app\n"
    _tree(tmp_path, {"Dockerfile": text})
    rules = {f.rule for f in Linter().lint_paths([str(tmp_path)]).findings}
    assert "HC6001" in rules and "HC6003" not in rules


def test_context_walked_once_for_all_dockerfiles(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    files = {f"svc{i}.Dockerfile": "FROM debian:12\nCOPY . /app\n" for i in range(3)}
    files["lib/x.py"] = "x = 1\n"
    _tree(tmp_path, files)
    walks = []
    original = BuildContext._walk

    def counting(self: BuildContext) -> object:
        walks.append(self.root)
        return original(self)

    monkeypatch.setattr(BuildContext, "_walk", counting)
    Linter().lint_paths([str(tmp_path)])
    assert walks == [tmp_path.absolute()]


def test_no_walk_without_context_copies(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _tree(tmp_path, {"Dockerfile": "FROM debian:12\nCOPY app.py /app/\nCOPY --from=b / /\n"})
    _tree(tmp_path, {"app.py": "print(1)\n"})
    monkeypatch.setattr(BuildContext, "_walk", lambda self: (_ for _ in ()).throw(AssertionError))
    Linter().lint_paths([str(tmp_path)])


def test_context_option_of_the_cli(tmp_path: Path) -> None:
    _tree(tmp_path, {"docker/Dockerfile": "FROM debian:12\nCOPY . /app\n", "id_rsa": "k\n"})
    argv = [sys.executable, "-m", "hullcheck", "lint", "-f", "json"]
    env = {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"}
    target = str(tmp_path / "docker" / "Dockerfile")
    alone = subprocess.run([*argv, target], capture_output=True, env=env, check=False)
    rules = [f["rule"] for f in json.loads(alone.stdout)["findings"]]
    assert "HC6002" not in rules  # the Dockerfile's directory holds no key
    ctx = subprocess.run(
        [*argv, "--context", str(tmp_path), target], capture_output=True, env=env, check=False
    )
    messages = [f["message"] for f in json.loads(ctx.stdout)["findings"] if f["rule"] == "HC6002"]
    assert messages == ["SSH private key file: context file id_rsa is copied into the image (.)"]
    bad = subprocess.run(
        [*argv, "--context", str(tmp_path / "nope"), target],
        capture_output=True,
        env=env,
        check=False,
    )
    assert bad.returncode == 2 and b"not a directory" in bad.stderr


def test_many_context_secrets_are_capped_per_copy_line(tmp_path: Path) -> None:
    from hullcheck.rules.secrets import MAX_CONTEXT_HITS

    body = "".join(f"k{i} = '{AWS_ID}'\n" for i in range(MAX_CONTEXT_HITS + 5))
    _tree(tmp_path, {"Dockerfile": "FROM debian:12\nCOPY . /app\n", "keys.py": body})
    found = [f for f in Linter().lint_paths([str(tmp_path)]).findings if f.rule == "HC6003"]
    assert len(found) == MAX_CONTEXT_HITS + 1
    assert sum(f.message.startswith("5 more secrets in context files") for f in found) == 1


def test_git_objects_are_not_read(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "Dockerfile": "FROM debian:12\nCOPY . /app\n",
            ".git/objects/ab/cdef": f"KEY='{AWS_ID}'\n",
            ".git/config": f"[x]\nkey = {AWS_ID}\n",
        },
    )
    found = [f for f in Linter().lint_paths([str(tmp_path)]).findings if f.rule == "HC6003"]
    assert [f.extra["context_file"] for f in found] == [".git/config"]


def test_a_context_too_big_to_check_is_said_not_hidden(tmp_path: Path) -> None:
    from hullcheck.dockerfile.buildcontext import MAX_FILES

    _tree(tmp_path, {"Dockerfile": "FROM debian:12\nCOPY . /app\n"})
    data = tmp_path / "data"
    data.mkdir()
    for i in range(MAX_FILES + 1):
        (data / f"f{i}").touch()
    report = Linter().lint_paths([str(tmp_path)])
    # what was not read was not checked for secrets: a coverage loss, not a warning
    losses = [d for d in report.diagnostics if d.kind == "context-truncated"]
    assert losses and "larger than lint reads" in losses[0].message, report.diagnostics
    assert losses[0].blocking and report.errors
    small = tmp_path / "small"
    _tree(small, {"Dockerfile": "FROM debian:12\nCOPY . /app\n", "a.txt": "x\n"})
    assert not Linter().lint_paths([str(small)]).diagnostics
