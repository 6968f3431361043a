"""Tracing layers and history entries back to Dockerfile lines, and merging lint findings."""

from __future__ import annotations

from pathlib import Path

import pytest

from hullcheck.dockerfile import parse
from hullcheck.imagerules.history import parse_created_by
from hullcheck.trace import align, build_instructions
from tests.fixtures.imagebuilder import Dir, File, Layer

from .helpers import base_layer, by_rule, scan

DOCKERFILE = """\
# syntax=docker/dockerfile:1
FROM debian:12
ARG VERSION=1
RUN apt-get update && \\
    apt-get install -y gcc
COPY app.py /app/
USER root
EXPOSE 22
CMD ["python3", "/app/app.py"]
"""

CLASSIC = [
    {"created_by": "/bin/sh -c #(nop) ADD file:abc in / "},
    {"created_by": '/bin/sh -c #(nop)  CMD ["bash"]', "empty_layer": True},
    {"created_by": "/bin/sh -c #(nop)  ARG VERSION=1", "empty_layer": True},
    {"created_by": "|1 VERSION=1 /bin/sh -c apt-get update &&     apt-get install -y gcc"},
    {"created_by": "/bin/sh -c #(nop) COPY file:0123abcd in /app/ "},
    {"created_by": "/bin/sh -c #(nop)  USER root", "empty_layer": True},
    {"created_by": "/bin/sh -c #(nop)  EXPOSE 22", "empty_layer": True},
    {"created_by": '/bin/sh -c #(nop)  CMD ["python3" "/app/app.py"]', "empty_layer": True},
]
BUILDKIT = [
    {"created_by": "# debian.sh --arch 'amd64' out/ 'bookworm' '@1735603200'"},
    {"created_by": 'CMD ["bash"]', "empty_layer": True},
    {"created_by": "ARG VERSION=1", "empty_layer": True},
    {
        "created_by": "RUN |1 VERSION=1 /bin/sh -c apt-get update &&     apt-get install -y gcc"
        " # buildkit"
    },
    {"created_by": "COPY app.py /app/ # buildkit"},
    {"created_by": "USER root", "empty_layer": True},
    {"created_by": "EXPOSE map[22/tcp:{}]", "empty_layer": True},
    {"created_by": 'CMD ["python3" "/app/app.py"]', "empty_layer": True},
]


def _layers() -> list[Layer]:
    return [
        base_layer(File("usr/bin/dpkg", b"\x7fELF", mode=0o755)),
        Layer(
            [
                Dir("usr"),
                Dir("usr/bin"),
                File("usr/bin/gcc", b"\x7fELF", mode=0o755),
                Dir("var"),
                Dir("var/lib"),
                Dir("var/lib/apt"),
                Dir("var/lib/apt/lists"),
                File("var/lib/apt/lists/x_InRelease", b"r"),
            ]
        ),
        Layer([Dir("app"), File("app/app.py", b"print(1)\n")]),
    ]


@pytest.mark.parametrize("history", [CLASSIC, BUILDKIT], ids=["classic", "buildkit"])
def test_findings_point_at_their_dockerfile_lines(tmp_path: Path, history: list) -> None:  # type: ignore[type-arg]
    cfg = {"User": "root", "ExposedPorts": {"22/tcp": {}}}
    report = scan(tmp_path, _layers(), config=cfg, history=history, dockerfile=DOCKERFILE)
    df = str(tmp_path / "Dockerfile")

    def lines(rule: str) -> set[tuple[int, int]]:
        out = set()
        for f in by_rule(report, rule):
            assert f.location.instruction is not None and f.location.instruction.path == df
            out.add((f.location.instruction.line, f.location.instruction.end_line))
        return out

    assert lines("HC8201") == {(4, 5), (2, 2)}  # gcc from the RUN, dpkg... from the base (FROM)
    assert lines("HC8101") == {(4, 5)}
    assert lines("HC8007") == {(8, 8)}
    assert lines("HC8001") == {(7, 7)}
    assert lines("HC8501") == {(4, 5)}
    base = [f for f in report.findings if f.extra.get("from_base_image")]
    assert base and all(f.location.instruction.line == 2 for f in base)  # type: ignore[union-attr]
    # lint ran on the same Dockerfile; its root-user finding folded into the image one
    (root,) = by_rule(report, "HC8001")
    assert root.extra["also_found_by"] == "HC2001"
    assert (root.location.path, root.location.line) == (df, 7)
    assert by_rule(report, "HC2001") == []
    # twins tied to one instruction fold only at that instruction's lines
    folded = {f.rule: f.extra.get("also_found_by") for f in report.findings}
    assert folded["HC8101"] == "HC4011" and folded["HC8007"] == "HC2009"
    gcc = next(f for f in by_rule(report, "HC8201") if f.extra["tool"] == "gcc")
    assert gcc.extra["also_found_by"] == "HC4001"
    assert not {"HC4011", "HC2009", "HC4001"} & {f.rule for f in report.findings}
    assert any(f.rule == "HC4010" and f.location.path == df for f in report.findings)
    trace = report.summary["trace"]["layers"]  # type: ignore[index]
    assert trace[0] == {"index": 0, "base_image": True}
    assert trace[1]["instruction"]["line"] == 4 and trace[2]["keyword"] == "COPY"


def test_no_lint_keeps_only_image_findings(tmp_path: Path) -> None:
    report = scan(
        tmp_path,
        _layers(),
        config={"User": "root"},
        history=CLASSIC,
        dockerfile=DOCKERFILE,
        lint=False,
    )
    assert not [f for f in report.findings if f.location.path is not None]
    assert by_rule(report, "HC8001")[0].location.instruction is not None


def test_multi_stage_final_stage_chain() -> None:
    text = (
        "FROM alpine AS base\nRUN apk add curl\n"
        "FROM golang AS build\nRUN go build\n"
        "FROM base\nCOPY --from=build /out /app\nUSER 1000\n"
    )
    steps, from_line = build_instructions(parse(text))
    assert [(s.keyword, s.line) for s in steps] == [("RUN", 2), ("COPY", 6), ("USER", 7)]
    assert from_line is not None and from_line.line == 1


def test_alignment_prefers_the_dockerfile_steps_over_look_alike_base_steps() -> None:
    history = [
        parse_created_by(h)
        for h in (
            "/bin/sh -c apt-get update",  # the base image's own RUN
            '/bin/sh -c #(nop)  CMD ["bash"]',
            "/bin/sh -c apt-get update",
            "/bin/sh -c #(nop)  USER app",
        )
    ]
    steps, _ = build_instructions(parse("FROM debian\nRUN apt-get update\nUSER app\n"))
    assert align(history, steps) == {2: 0, 3: 1}


def test_unrelated_dockerfile_traces_nothing_but_base(tmp_path: Path) -> None:
    report = scan(
        tmp_path,
        _layers(),
        history=CLASSIC,
        dockerfile="FROM busybox\nRUN echo unrelated\nWORKDIR /x\n",
        lint=False,
        expect=("untraced-layers",),
    )
    assert report.summary["trace"]["layers"][1] == {"index": 1, "traced": False}  # type: ignore[index]
    # the user is told, not left with findings that silently point nowhere
    (warned,) = [d for d in report.diagnostics if d.kind == "untraced-layers"]
    assert warned.level == "warning" and not report.errors
    assert "none of the image's 3 layers could be traced" in warned.message


def test_hostile_sizes_are_bounded() -> None:
    runs = "".join(f"RUN echo step {i} && make target{i}\n" for i in range(3000))
    steps, _ = build_instructions(parse("FROM debian\n" + runs))
    history = [parse_created_by(f"/bin/sh -c echo step {i} && make target{i}") for i in range(3000)]
    pairs = align(history, steps)
    # only the last MAX_ALIGN entries take part, and they line up one to one
    assert len(pairs) == 256 and pairs[2999] == 2999 and pairs[2744] == 2744


def test_layer_table_carries_the_instruction(tmp_path: Path) -> None:
    report = scan(tmp_path, _layers(), history=CLASSIC, dockerfile=DOCKERFILE, lint=False)
    table = report.summary["layer_table"]  # type: ignore[index]
    assert table[0]["base_image"] is True
    assert table[1]["instruction"]["line"] == 4 and table[2]["keyword"] == "COPY"


def test_unparsable_dockerfile_is_a_warning_not_a_crash(tmp_path: Path) -> None:
    report = scan(
        tmp_path,
        _layers(),
        history=CLASSIC,
        dockerfile="FROM a\nCOPY <<EOF\n",
        expect=("trace-failed",),
    )
    assert "trace" not in report.summary
    # tracing explains findings; it examines nothing: a warning, not a coverage loss
    traced = [d for d in report.diagnostics if d.kind == "trace-failed"]
    assert traced and "cannot trace" in traced[0].message and traced[0].level == "warning"
    assert by_rule(report, "HC0001")  # lint reports the syntax error as a finding
    assert by_rule(report, "HC8401")  # the image was still audited
