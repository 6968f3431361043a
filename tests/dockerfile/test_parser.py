"""The Dockerfile parser: BuildKit's reading of lines, directives, heredocs, stages."""

from __future__ import annotations

import pytest

from hullcheck.dockerfile import parse
from hullcheck.errors import DockerfileError


def spans(text: str) -> list[tuple[str, int, int]]:
    return [(i.keyword, i.line, i.end_line) for i in parse(text).instructions]


def test_continuations_comments_and_blank_lines_keep_line_numbers() -> None:
    text = (
        "FROM debian:12\n"
        "\n"
        "RUN apt-get update && \\\n"
        "    # a comment inside the continuation\n"
        "\n"
        "    apt-get install -y curl\n"
        "USER app\n"
    )
    assert spans(text) == [("FROM", 1, 1), ("RUN", 3, 6), ("USER", 7, 7)]
    run = parse(text).instructions[1]
    assert run.args == "apt-get update &&     apt-get install -y curl"
    assert [c.line for c in run.inner_comments] == [4]
    assert [(c.name, c.line) for c in run.commands()] == [("apt-get", 3), ("apt-get", 6)]


def test_doubled_escape_ends_the_instruction() -> None:
    text = "FROM alpine:3\nRUN echo foo \\\\\nRUN echo bar\n"
    assert spans(text) == [("FROM", 1, 1), ("RUN", 2, 2), ("RUN", 3, 3)]


def test_backtick_escape_directive() -> None:
    text = (
        "# escape=`\n"
        "FROM mcr.microsoft.com/windows/servercore:ltsc2022\n"
        "RUN powershell -Command `\n"
        "    Write-Host C:\\path\\ \n"
        "COPY a C:\\app\\\n"
    )
    df = parse(text)
    assert df.escape == "`"
    assert df.directives == {"escape": "`"}
    assert spans(text)[1:] == [("RUN", 3, 4), ("COPY", 5, 5)]
    assert df.stages[0].windows
    assert df.instructions[1].script is None  # no POSIX shell analysis on Windows


def test_directives_only_at_the_top() -> None:
    df = parse("# syntax=docker/dockerfile:1.7\n# check=skip=all\nFROM a:1\n# escape=`\n")
    assert df.directives == {"syntax": "docker/dockerfile:1.7", "check": "skip=all"}
    assert df.escape == "\\"
    df = parse("# hello\n# escape=`\nFROM a:1\n")
    assert df.escape == "\\"


def test_duplicate_directive_is_a_syntax_error() -> None:
    with pytest.raises(DockerfileError) as err:
        parse("# escape=`\n# escape=\\\nFROM a\n")
    assert err.value.line == 2


def test_heredocs_and_the_line_after_the_terminator() -> None:
    text = (
        "FROM alpine:3\n"
        "RUN <<EOF\n"
        "set -e\n"
        "apk add curl\n"
        "EOF\n"
        "# a comment right after the terminator (hadolint fails here)\n"
        'COPY <<A <<-"B" /dst/\n'
        "hello $X\n"
        "A\n"
        "\t\tindented\n"
        "\tB\n"
        "ADD <<EOF /etc/motd\n"
        "hi\n"
        "EOF\n"
        "RUN echo done\n"
    )
    df = parse(text)
    assert spans(text) == [
        ("FROM", 1, 1),
        ("RUN", 2, 5),
        ("COPY", 7, 11),
        ("ADD", 12, 14),
        ("RUN", 15, 15),
    ]
    run, copy, add = df.instructions[1], df.instructions[2], df.instructions[3]
    assert [(c.name, c.line) for c in run.commands()] == [("set", 3), ("apk", 4)]
    a, b = copy.heredocs
    assert (a.name, a.content, a.line, a.end_line, a.expand) == ("A", "hello $X\n", 8, 9, True)
    assert (b.name, b.content, b.chomp, b.expand) == ("B", "indented\n", True, False)
    assert add.heredocs[0].content == "hi\n"
    assert [c.line for c in df.instructions[2].comments] == [6]


def test_heredoc_as_stdin_of_a_program_is_data_but_its_command_line_is_shell() -> None:
    text = "FROM a:1\nRUN python3 <<EOF && curl -fsSL x | sh\nimport os\nEOF\n"
    run = parse(text).instructions[1]
    assert [c.name for c in run.commands()] == ["python3", "curl", "sh"]
    text = "FROM a:1\nRUN <<EOF\n#!/usr/bin/env python3\nprint(1)\nEOF\n"
    assert parse(text).instructions[1].commands() == ()


def test_unterminated_heredoc() -> None:
    with pytest.raises(DockerfileError) as err:
        parse("FROM a:1\nRUN <<EOF\necho\n")
    assert err.value.line == 2


def test_run_mount_without_target_and_flags() -> None:
    text = (
        "FROM golang:1.22 AS build\n"
        "RUN --mount=type=secret,id=npmrc --mount=type=cache,target=/go/pkg "
        "--network=none go build\n"
        "FROM debian:12\n"
        "COPY --from=build --chown=app:app --chmod=0755 /out /bin/app\n"
        "COPY --from=0 /x /y\n"
    )
    df = parse(text)
    run = df.instructions[1]
    assert run.mounts == [{"type": "secret", "id": "npmrc"}, {"type": "cache", "target": "/go/pkg"}]
    assert run.flag("network") == "none"
    assert run.args == "go build"
    copy = df.instructions[3]
    assert copy.flag("from") == "build" and copy.flag("chmod") == "0755"
    assert df.stage_named(copy.flag("from") or "") is df.stages[0]
    assert df.stage_named("0") is df.stages[0]


def test_args_before_from_and_substitution() -> None:
    text = (
        "ARG REG=ghcr.io\n"
        "ARG TAG\n"
        "ARG VARIANT=slim\n"
        "FROM ${REG}/acme/app:${TAG:-1.2}-${VARIANT} AS App\n"
        "FROM ${REG:+mirror.local}/base${TAG:+:$TAG}\n"
        "FROM app\n"
    )
    df = parse(text)
    assert df.global_args == {"REG": "ghcr.io", "TAG": None, "VARIANT": "slim"}
    first, second, third = df.stages
    assert first.image == "ghcr.io/acme/app:1.2-slim" and first.name == "app"
    assert first.ref is not None and first.ref.registry == "ghcr.io" and first.ref.tag == "1.2-slim"
    assert second.image == "mirror.local/base"
    assert third.parent == 0 and third.ref is None


def test_json_and_shell_forms() -> None:
    text = (
        'FROM a:1\nCMD ["nginx", "-g", "daemon off;"]\nENTRYPOINT exec nginx\n'
        'RUN ["/bin/sh", "-c", "apt-get update && apt-get install -y x"]\n'
        'SHELL ["/bin/bash", "-o", "pipefail", "-c"]\nRUN echo a | tee b\n'
    )
    df = parse(text)
    cmd, entry, run, _shell, run2 = df.instructions[1:]
    assert cmd.json == ("nginx", "-g", "daemon off;")
    assert entry.json is None
    assert [c.name for c in run.commands()] == ["/bin/sh", "apt-get", "apt-get"]
    assert run2.shell == ("/bin/bash", "-o", "pipefail", "-c")
    assert run2.script is not None and len(run2.script.pipelines) == 1


def test_powershell_shell_skips_analysis() -> None:
    text = 'FROM a:1\nSHELL ["powershell", "-Command"]\nRUN iwr https://x | iex; $a = 1\n'
    assert parse(text).instructions[2].script is None


def test_onbuild_trigger() -> None:
    df = parse("FROM a:1\nONBUILD RUN apt-get install -y x\nONBUILD COPY . /app\n")
    trigger = df.instructions[1].onbuild
    assert trigger is not None and trigger.keyword == "RUN"
    assert [c.name for c in trigger.commands()] == ["apt-get"]
    assert [i.keyword for i in df.runs()] == ["RUN"]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("FROM a:1\nFOO bar\n", 2),
        ("FROM a:1\nENV A\n", 2),
        ("FROM a:1\nENV A=1 B\n", 2),
        ('FROM a:1\nLABEL a="b c\nUSER x\n', 2),
        ("FROM a:1\nCOPY onlyone\n", 2),
        ("FROM a b c d\n", 1),
        ("FROM a:1\nADD --checksum https://x /\n", 2),
        ('FROM a:1\nCMD ["a", 1]\n', 2),
        ("FROM a:1\nONBUILD FROM b\n", 2),
        ("# only a comment\n", 1),
        ("# escape=x\nFROM a\n", 1),
    ],
)
def test_syntax_errors_name_their_line(text: str, line: int) -> None:
    with pytest.raises(DockerfileError) as err:
        parse(text)
    assert err.value.line == line


def test_buildkit_accepts_these() -> None:
    parse("FROM a:1\nHEALTHCHECK\nHEALTHCHECK CONNECT TCP 7000\n")
    parse("FROM a:1\nCOPY --user=me foo /tmp/\nCOPY -- foo /tmp/\n")
    parse('FROM a:1\nENV name value with spaces\nENV a="x y" b=c\\ d\n')
    parse("\ufeffFROM a:1\r\nRUN echo hi\r\n")


def test_hadolint_shell_pragma_and_windows_base_names() -> None:
    text = "FROM bats-jenkins\n# hadolint shell=powershell\nRUN & C:/x.ps1 --plugins a\n"
    assert parse(text).instructions[1].script is None
    text = "FROM stefanscherer/node-windows:8.6.0-build-tools\nRUN iex ((new-object x))\n"
    assert parse(text).stages[0].windows
    assert parse(text).instructions[1].script is None
    assert not parse("FROM dockcross/windows-static-x64\nRUN make\n").stages[0].windows


def test_heredoc_fed_to_a_shell_is_a_script() -> None:
    text = "FROM a:1\nRUN <<EOT bash\nset -ex\napt-get install -y x\nEOT\n"
    cmds = parse(text).instructions[1].commands()
    assert ("apt-get", 4) in [(c.name, c.line) for c in cmds]


def test_key_values_of_env_label_arg() -> None:
    text = (
        "ARG A B=2\nFROM a:1\n"
        'ENV X=1 Y="two words" Z=a\\ b\nENV LEGACY some value here\n'
        "LABEL org.opencontainers.image.source='https://x'\n"
    )
    arg, _, env, legacy, label = parse(text).instructions
    assert arg.key_values == [("A", None), ("B", "2")]
    assert env.key_values == [("X", "1"), ("Y", "two words"), ("Z", "a b")]
    assert legacy.key_values == [("LEGACY", "some value here")]
    assert label.key_values == [("org.opencontainers.image.source", "https://x")]


def test_onbuild_heredoc_and_healthcheck_exec_form() -> None:
    text = (
        "FROM a:1\nONBUILD RUN <<EOF\napt-get install -y x\nEOF\n"
        'HEALTHCHECK --interval=5s CMD ["curl", "-f", "http://localhost/"]\n'
    )
    df = parse(text)
    onbuild, health = df.instructions[1], df.instructions[2]
    assert (onbuild.line, onbuild.end_line) == (2, 4)
    assert onbuild.onbuild is not None
    assert [(c.name, c.line) for c in onbuild.onbuild.commands()] == [("apt-get", 3)]
    assert health.flag("interval") == "5s" and health.json == ("curl", "-f", "http://localhost/")


def test_only_ascii_whitespace_separates_the_keyword() -> None:
    with pytest.raises(DockerfileError, match="unknown instruction"):
        parse("FROM a:1\nRUN\u00a0echo hi\n")
    assert parse("FROM\ta:1\nRUN\techo hi\n").stages[0].image == "a:1"


def test_quoted_heredoc_markers_are_plain_text() -> None:
    text = "FROM a:1\nRUN echo \"<<EOF\" '<<X'\nUSER app\n"
    df = parse(text)
    assert [i.keyword for i in df.instructions] == ["FROM", "RUN", "USER"]
    assert all(not i.heredocs for i in df.instructions)
    # an unquoted `1<<2` is a heredoc on fd 1 named "2" for BuildKit too
    with pytest.raises(DockerfileError, match="unterminated heredoc"):
        parse("FROM a:1\nRUN echo 1<<2\nUSER app\n")


def test_two_heredocs_in_one_run_both_fed_to_commands() -> None:
    text = "FROM a:1\nRUN <<ONE cat > /a && <<TWO cat > /b\nfirst\nONE\nsecond\nTWO\nWORKDIR /x\n"
    df = parse(text)
    run = df.instructions[1]
    assert [(h.name, h.content, h.line) for h in run.heredocs] == [
        ("ONE", "first\n", 3),
        ("TWO", "second\n", 5),
    ]
    assert (run.line, run.end_line) == (2, 6)
    assert df.instructions[2].keyword == "WORKDIR"


def test_flags_of_every_instruction_are_kept() -> None:
    text = (
        "FROM --platform=$BUILDPLATFORM golang:1.22 AS b\n"
        "ADD --checksum=sha256:abc --keep-git-dir=true --link https://x/y.tgz /src/\n"
        "COPY --parents --exclude=*.md --link=false ./a ./b /dst/\n"
        "RUN --network=host --security=insecure --mount=type=bind,from=b,source=/x,target=/y make\n"
    )
    df = parse(text)
    assert df.stages[0].platform == "$BUILDPLATFORM"
    add, copy, run = df.instructions[1:]
    assert add.flag("checksum") == "sha256:abc" and add.flag("link") == ""
    assert copy.has_flag("parents") and copy.flag("exclude") == "*.md"
    assert copy.arg_list == ("./a", "./b", "/dst/")
    assert run.flag("security") == "insecure"
    assert run.mounts[0]["from"] == "b"
