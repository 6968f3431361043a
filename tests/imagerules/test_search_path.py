"""PATH and LD_LIBRARY_PATH in the image's Env (HC8012 writable entries, HC8013 relative
entries): each fires on a fixture image and its near misses do not."""

from __future__ import annotations

from pathlib import Path

from tests.fixtures.imagebuilder import Dir, Layer, Symlink

from .helpers import base_layer, by_rule, rule_ids, scan

SYSTEM = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
HISTORY = [{"created_by": "base image"}, {"created_by": "ENV PATH=/opt/tools/bin:/usr/bin"}]


def _layers() -> list[Layer]:
    return [
        base_layer(
            Dir("opt", mode=0o755),
            Dir("opt/tools", mode=0o755),
            Dir("opt/tools/bin", mode=0o777),  # world-writable
            Dir("opt/shared", mode=0o1777),  # sticky: still anyone can add a file
            Dir("opt/lib", mode=0o755),
            Symlink("opt/drop", "tools/bin"),  # a link to the writable directory
        ),
        Layer([Dir("l1")]),
    ]


def test_world_writable_entries_are_found_through_links(tmp_path: Path) -> None:
    env = [f"PATH=/opt/tools/bin:{SYSTEM}", "LD_LIBRARY_PATH=/opt/lib:/opt/shared:/opt/drop"]
    found = by_rule(
        scan(tmp_path, _layers(), config={"User": "app", "Env": env}, history=HISTORY), "HC8012"
    )
    got = sorted((f.extra["variable"], f.extra["entry"], f.location.file) for f in found)
    assert got == [
        ("LD_LIBRARY_PATH", "/opt/drop", "/opt/tools/bin"),
        ("LD_LIBRARY_PATH", "/opt/shared", "/opt/shared"),
        ("PATH", "/opt/tools/bin", "/opt/tools/bin"),
    ]
    path_finding = next(f for f in found if f.extra["variable"] == "PATH")
    assert "mode 0777" in path_finding.message
    assert path_finding.extra["history_index"] == 1  # the ENV step, for --dockerfile tracing


def test_owner_writable_and_missing_directories_are_not_findings(tmp_path: Path) -> None:
    env = [f"PATH=/opt/lib:/does/not/exist:{SYSTEM}", "LD_LIBRARY_PATH=/opt/lib"]
    report = scan(tmp_path, _layers(), config={"User": "app", "Env": env})
    assert not {"HC8012", "HC8013"} & rule_ids(report)


def test_empty_and_relative_entries(tmp_path: Path) -> None:
    env = [f"PATH=.:{SYSTEM}:", "LD_LIBRARY_PATH=lib"]
    found = by_rule(scan(tmp_path, _layers(), config={"User": "app", "Env": env}), "HC8013")
    got = sorted((f.extra["variable"], f.extra["entry"]) for f in found)
    assert got == [("LD_LIBRARY_PATH", "lib"), ("PATH", ""), ("PATH", ".")]
    assert any("empty entry (position 8)" in f.message for f in found)


def test_other_variables_are_not_search_paths(tmp_path: Path) -> None:
    env = ["PYTHONPATH=.", "MANPATH=/opt/tools/bin", "XPATH=.:/tmp"]
    report = scan(tmp_path, _layers(), config={"User": "app", "Env": env})
    assert not {"HC8012", "HC8013"} & rule_ids(report)
