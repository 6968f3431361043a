"""``hullcheck completion``: the scripts load in real shells and complete commands and options."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.cli.helpers import hullcheck


def _complete(script: Path, words: str) -> list[str]:
    # drive the completion function as bash does on <TAB>
    probe = (
        f"source {script}\n"
        f"COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}}-1))\n"
        "_hullcheck\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    done = subprocess.run(
        ["bash", "--norc", "-c", probe], capture_output=True, text=True, timeout=30, check=True
    )
    return done.stdout.split()


def test_bash_completes_commands_and_options(tmp_path: Path) -> None:
    run = hullcheck("completion", "bash")
    assert run.code == 0
    script = tmp_path / "hullcheck.bash"
    script.write_text(run.stdout)
    assert _complete(script, "hullcheck li") == ["lint"]
    assert "scan" in _complete(script, "hullcheck s")
    assert "--quiet" in _complete(script, "hullcheck lint --q")
    assert "--format" in _complete(script, "hullcheck scan --fo")


def test_fish_and_zsh_scripts_name_every_command() -> None:
    fish = hullcheck("completion", "fish")
    zsh = hullcheck("completion", "zsh")
    assert fish.code == 0 and zsh.code == 0
    for command in ("lint", "scan", "sbom", "completion"):
        assert f"-a {command}" in fish.stdout
    assert "bashcompinit" in zsh.stdout and "complete -o filenames -F _hullcheck" in zsh.stdout
    if shutil.which("fish"):
        subprocess.run(["fish", "--no-execute", "-c", fish.stdout], check=True, timeout=30)


def test_unknown_shell_lists_the_choices() -> None:
    run = hullcheck("completion", "tcsh")
    assert run.code == 2
    assert "bash" in run.stderr and "fish" in run.stderr
