"""``hullcheck completion bash|zsh|fish``: a shell completion script built from the parser itself,
so every command and option stays in step with the CLI without a hand-kept list."""

from __future__ import annotations

import argparse
import sys
from typing import Any

SHELLS = ("bash", "zsh", "fish")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "completion",
        help="print a shell completion script",
        description="Print a completion script; e.g. `source <(hullcheck completion bash)`.",
    )
    parser.add_argument("shell", choices=SHELLS)
    # the subcommand table is complete by the time run() is called
    parser.set_defaults(func=run, completion_commands=subparsers)


def _commands(subparsers: Any) -> dict[str, list[str]]:
    return {
        name: sorted(opt for a in sub._actions for opt in a.option_strings if opt.startswith("--"))
        for name, sub in subparsers.choices.items()
    }


def _bash(table: dict[str, list[str]]) -> str:
    cases = "".join(
        f'        {name}) opts="{" ".join(opts)}" ;;\n' for name, opts in sorted(table.items())
    )
    return (
        "_hullcheck() {\n"
        '    local cur="${COMP_WORDS[COMP_CWORD]}" cmd="${COMP_WORDS[1]}" opts\n'
        '    if [ "$COMP_CWORD" -eq 1 ]; then\n'
        f'        COMPREPLY=($(compgen -W "{" ".join(sorted(table))} --help --version"'
        ' -- "$cur"))\n'
        "        return\n"
        "    fi\n"
        '    case "$cmd" in\n'
        f"{cases}"
        '        *) opts="" ;;\n'
        "    esac\n"
        '    if [[ "$cur" == -* ]]; then\n'
        '        COMPREPLY=($(compgen -W "$opts" -- "$cur"))\n'
        "    else\n"
        '        COMPREPLY=($(compgen -f -- "$cur"))\n'
        "    fi\n"
        "}\n"
        "complete -o filenames -F _hullcheck hullcheck\n"
    )


def _fish(table: dict[str, list[str]]) -> str:
    lines = ["complete -c hullcheck -f"]
    for name in sorted(table):
        lines.append(f"complete -c hullcheck -n __fish_use_subcommand -a {name}")
    for name, opts in sorted(table.items()):
        for opt in opts:
            lines.append(
                f"complete -c hullcheck -n '__fish_seen_subcommand_from {name}' -l {opt[2:]}"
            )
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    table = _commands(args.completion_commands)
    if args.shell == "fish":
        sys.stdout.write(_fish(table))
    elif args.shell == "zsh":  # zsh runs the bash script through its bashcompinit layer
        sys.stdout.write("autoload -U +X bashcompinit && bashcompinit\n" + _bash(table))
    else:
        sys.stdout.write(_bash(table))
    return 0
