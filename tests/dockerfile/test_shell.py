"""RUN shell analysis: commands, argv, flags, pipelines, wrappers, exact lines."""

from __future__ import annotations

from hullcheck.dockerfile import parse
from hullcheck.dockerfile.shell import parse_script


def script_of(body: str):  # type: ignore[no-untyped-def]
    return parse_script(body, [0], [1])


def test_argv_unquoted_and_expansions_kept() -> None:
    (cmd,) = script_of("""echo "a $B" 'c d' e\\ f ${G:-x}""").commands
    assert cmd.args == ("a $B", "c d", "e f", "${G:-x}")


def test_flags_clusters_values_and_positionals() -> None:
    (cmd,) = script_of(
        "apt-get -qy -o Dpkg::Options::=--force-confold install --yes=1 a b"
    ).commands
    assert cmd.has_flag("-y") and cmd.has_flag("-q") and cmd.has_flag("--yes")
    assert not cmd.has_flag("-o5")
    assert cmd.flag_value("-o") == "Dpkg::Options::=--force-confold"
    assert cmd.positional(("-o",)) == ("install", "a", "b")
    assert cmd.subcommand(("-o",)) == "install"


def test_pipelines_chains_and_statements() -> None:
    script = script_of("set -e; curl -s x | tar xz && make || echo failed\nrm -rf /tmp/*")
    names = [(c.name, c.statement, c.pipeline) for c in script.commands]
    assert names == [
        ("set", 0, None),
        ("curl", 1, 0),
        ("tar", 1, 0),
        ("make", 1, None),
        ("echo", 1, None),
        ("rm", 2, None),
    ]
    assert [c.name for c in script.pipelines[0].commands] == ["curl", "tar"]

    assert next(script.find("echo")).negated_or_guarded


def test_wrappers_and_substitutions() -> None:
    script = script_of('sudo -u app env A=1 pip install x; echo "$(curl -s y)"')
    got = [(c.name, c.wrapper, c.in_substitution) for c in script.commands]
    assert ("pip", "env", False) in got
    assert ("env", "sudo", False) in got
    assert ("curl", None, True) in got


def test_lines_inside_a_continued_run() -> None:
    text = "FROM a:1\nRUN set -e \\\n  && apt-get update \\\n  # c\n  && apt-get install \\\n   x\n"
    run = parse(text).instructions[1]
    assert [(c.name, c.line, c.end_line) for c in run.commands()] == [
        ("set", 2, 2),
        ("apt-get", 3, 3),
        ("apt-get", 5, 6),
    ]


def test_hostile_shell_never_raises() -> None:
    for body in ("((((", "if then fi", "$(", "echo 'unterminated", "<<<", "\x00\x01", "a" * 5000):
        script = script_of(body)
        assert isinstance(script.commands, tuple)


def test_deep_nesting_is_bounded_not_recursive() -> None:
    n = 5000
    for body in ("echo " + "$(echo " * n + ")" * n, "if true; then " * n + "x" + "; fi" * n):
        script = script_of(body)
        assert script.commands  # analysed as far as the budget allows, no RecursionError


def test_redirects_of_a_command_are_kept() -> None:
    (cat, tee) = script_of("FOO=1 cat a > /x 2>&1 | tee y").commands
    assert cat.redirects == ("> /x", "2>&1") and cat.assignments == ("FOO=1",)
    assert tee.redirects == ()


def test_negated_and_grouped_commands_stay_in_their_pipeline() -> None:
    negated = script_of("! grep -q x file | sort")
    assert [c.name for c in negated.pipelines[0].commands] == ["grep", "sort"]
    grouped = script_of("{ make; make install; } 2>&1 | tee log")
    assert [c.name for c in grouped.pipelines[0].commands] == ["make", "make", "tee"]
