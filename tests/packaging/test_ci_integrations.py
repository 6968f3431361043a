"""Where teams run hullcheck: the pre-commit hook, the GitHub Action and the GitLab CI
template, each exercised as far as this machine allows (no GitHub, GitLab or internet):
the definitions are validated by their own tools or against their documented shape, and
the commands they run are run here, on the repository's example Dockerfile and image."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import xmlschema
import yaml

from hullcheck.lint import is_dockerfile_name

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "report" / "data"
BIN = Path(sys.executable).parent
NAMES = [
    "Dockerfile", "dockerfile", "Containerfile", "Dockerfile.dev", "Dockerfile-prod",
    "docker/Dockerfile", "api.Dockerfile", "prod_Dockerfile", "Dockerfile.j2",
    "Dockerfile.md", "dockerfile.py", "docs/Dockerfile.txt", "mydockerfile", "README.md",
    "Dockerfiles/notes.md", "x/Containerfile.arm64",
]  # fmt: skip


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["HULLCHECK_NO_PROGRESS"] = "1"
    env.update(extra)
    return env


def _example_image(tmp_path: Path) -> Path:
    image = tmp_path / "example-image"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make-example-image.py"), str(image)],
        check=True,
        timeout=60,
    )
    return image


def test_pre_commit_hook_manifest_is_valid_and_selects_what_lint_reads() -> None:
    from pre_commit.clientlib import load_manifest

    (hook,) = load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))  # pre-commit's own schema
    assert hook["id"] == "hullcheck-lint" and hook["language"] == "python"
    files, exclude = re.compile(hook["files"]), re.compile(hook["exclude"])
    for name in NAMES:
        chosen = bool(files.search(name)) and not exclude.search(name)
        assert chosen == is_dockerfile_name(name.rsplit("/", 1)[-1]), name
    # the hook's command, as pre-commit runs it on the staged files it selected
    entry = shlex.split(hook["entry"])
    run = subprocess.run(
        [*entry, *hook["args"], str(ROOT / "examples" / "Dockerfile")],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 1 and "HC" in run.stdout  # the example plants findings
    assert (ROOT / "pyproject.toml").read_text().count('hullcheck = "hullcheck.cli.main:main"')


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=cwd, check=True, capture_output=True, timeout=60,
    )  # fmt: skip


def test_pre_commit_try_repo_installs_and_runs_the_hook(tmp_path: Path) -> None:
    """pre-commit itself clones this repository, builds the hook's virtualenv with pip
    (from the locked wheels scripts/test.sh downloads, no index) and runs it on the files of
    a project it selects: a bad Dockerfile fails the hook, a clean one passes, and files
    that are not Dockerfiles never reach hullcheck."""
    wheelhouse = ROOT / ".cache" / "wheelhouse"
    if not (wheelhouse / "COMPLETE").is_file():
        pytest.skip(f"no wheelhouse at {wheelhouse}: scripts/test.sh downloads it")
    project = tmp_path / "project"
    (project / "svc").mkdir(parents=True)
    (project / "svc" / "Dockerfile").write_bytes((ROOT / "examples" / "Dockerfile").read_bytes())
    (project / "README.md").write_text("FROM ubuntu\nRUN sudo apt-get install curl\n")
    _git("init", "-q", ".", cwd=project)
    _git("add", ".", cwd=project)
    env = _env(
        PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"),
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(wheelhouse),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        VIRTUALENV_NO_DOWNLOAD="1",
    )
    try_repo = [str(BIN / "pre-commit"), "try-repo", str(ROOT), "hullcheck-lint", "--all-files"]
    bad = subprocess.run(
        try_repo, cwd=project, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert bad.returncode == 1, bad.stdout[-3000:] + bad.stderr[-2000:]
    assert re.search(r"hullcheck lint \(Dockerfiles\)\.+Failed", bad.stdout), bad.stdout
    assert "svc/Dockerfile:" in bad.stdout and "HC" in bad.stdout
    assert "README.md" not in bad.stdout.split("Failed", 1)[1]

    clean = "FROM debian:12.7-slim@sha256:" + "ab" * 32 + '\nUSER 10001\nCMD ["true"]\n'
    (project / "svc" / "Dockerfile").write_text(clean)
    _git("add", ".", cwd=project)
    good = subprocess.run(
        try_repo, cwd=project, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert good.returncode == 0, good.stdout[-3000:]
    assert re.search(r"hullcheck lint \(Dockerfiles\)\.+Passed", good.stdout), good.stdout


def test_github_action_steps_run_as_the_runner_would(tmp_path: Path) -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    steps = {s["id"]: s for s in action["runs"]["steps"]}
    used = set(re.findall(r"inputs\.([a-z-]+)", (ROOT / "action.yml").read_text()))
    assert used <= set(action["inputs"])  # no step reads an input the action lacks
    assert steps["upload"]["uses"].startswith("github/codeql-action/upload-sarif@")
    assert steps["upload"]["with"]["sarif_file"] == "${{ inputs.sarif }}"
    image = _example_image(tmp_path)
    inputs = {
        "dockerfile": str(ROOT / "examples" / "Dockerfile"),
        "image": f"oci:{image}:demo",
        "fail-on": "high",
        "sarif": str(tmp_path / "hullcheck.sarif"),
        "args": "",
    }
    summary, output = tmp_path / "summary.md", tmp_path / "output"
    step = steps["run"]
    env = {k: _substitute(str(v), inputs) for k, v in step["env"].items()}
    # `install` pip-installs the action's checkout; here hullcheck is already on PATH
    run = subprocess.run(
        ["bash", "-c", step["run"]],
        env=_env(
            **env,
            GITHUB_ACTION_PATH=str(ROOT),
            GITHUB_STEP_SUMMARY=str(summary),
            GITHUB_OUTPUT=str(output),
        ),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr  # the step never fails: upload must still run
    assert "exit-code=1" in output.read_text()  # findings at or above high
    log = json.loads((tmp_path / "hullcheck.sarif").read_text())
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(log)
    kinds = [r["automationDetails"]["id"] for r in log["runs"]]
    assert kinds == ["hullcheck/lint/", "hullcheck/scan/"]
    text = summary.read_text()
    assert text.count("### ❌ hullcheck: failed") == 2 and "stripe-secret-key" in text
    assert "51Hx7Q2mR9vT4kL8pN3wZ6yB" not in text  # the planted secret stays redacted
    # the last step turns the recorded code into the step's result
    last = _substitute(steps["verdict"]["run"], inputs).replace(
        "${{ steps.run.outputs.exit-code }}", output.read_text().split("=")[-1].strip()
    )
    assert subprocess.run(["bash", "-c", last], check=False).returncode == 1


def test_gitlab_template_jobs_write_the_reports_gitlab_reads(tmp_path: Path) -> None:
    template = yaml.safe_load((ROOT / "ci" / "hullcheck.gitlab-ci.yml").read_text())
    image = _example_image(tmp_path)
    # the job runs in the project's checkout: the template's default HULLCHECK_DOCKERFILE
    variables = {**template["variables"], "HULLCHECK_IMAGE": f"oci:{image}:demo"}
    assert variables["HULLCHECK_DOCKERFILE"] == "Dockerfile"
    junit = xmlschema.XMLSchema(DATA / "junit.xsd")
    for name in ("hullcheck-lint", "hullcheck-scan"):
        job = template[name]
        assert job["extends"] == ".hullcheck" and job["artifacts"]["when"] == "always"
        work = tmp_path / name
        work.mkdir()
        (work / "Dockerfile").write_bytes((ROOT / "examples" / "Dockerfile").read_bytes())
        for line in job["script"]:
            run = subprocess.run(
                ["bash", "-c", line],
                env=_env(**{k: str(v) for k, v in variables.items()}),
                cwd=work,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            assert run.returncode == 1, run.stderr  # the job fails on these findings
        reports: dict[str, Any] = job["artifacts"]["reports"]
        for path in job["artifacts"]["paths"]:
            json.loads((work / path).read_text())
        junit.validate(str(work / reports["junit"]))
        if "codequality" in reports:
            schema = json.loads((DATA / "gitlab-codequality.schema.json").read_text())
            jsonschema.Draft7Validator(schema).validate(
                json.loads((work / reports["codequality"]).read_text())
            )
        if "container_scanning" in reports:
            schema = json.loads(
                (DATA / "gitlab-container-scanning-report-format-15.0.7.json").read_text()
            )
            doc = json.loads((work / reports["container_scanning"]).read_text())
            jsonschema.Draft7Validator(schema).validate(doc)
            assert doc["vulnerabilities"]


def _substitute(text: str, inputs: dict[str, str]) -> str:
    return re.sub(r"\$\{\{\s*inputs\.([a-z-]+)\s*\}\}", lambda m: inputs[m.group(1)], text)
