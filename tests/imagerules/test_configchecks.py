"""Config and history checks on built images (HC8502, HC8202, HC8203): each fires on a
fixture image and a near miss does not."""

from __future__ import annotations

from pathlib import Path

from tests.fixtures.imagebuilder import Dir, File, Layer

from .helpers import base_layer, by_rule, rule_ids, scan


def test_service_image_without_healthcheck(tmp_path: Path) -> None:
    cfg = {"User": "app", "ExposedPorts": {"8080/tcp": {}}}
    (f,) = by_rule(scan(tmp_path, [base_layer()], config=cfg), "HC8502")
    assert "8080/tcp" in f.message
    ok = {**cfg, "Healthcheck": {"Test": ["CMD", "/app", "--health"]}}
    assert "HC8502" not in rule_ids(scan(tmp_path / "ok", [base_layer()], config=ok))
    none = {**cfg, "Healthcheck": {"Test": ["NONE"]}}
    assert "HC8502" in rule_ids(scan(tmp_path / "none", [base_layer()], config=none))
    cli = {"User": "app"}  # no port: a command-line tool, not a service
    assert "HC8502" not in rule_ids(scan(tmp_path / "cli", [base_layer()], config=cli))


def test_workdir_or_volume_on_kernel_filesystem(tmp_path: Path) -> None:
    cfg = {"User": "app", "WorkingDir": "/proc/app", "Volumes": {"/sys/data": {}}}
    found = by_rule(scan(tmp_path, [base_layer()], config=cfg), "HC8202")
    assert sorted(f.extra["path"] for f in found) == ["/proc/app", "/sys/data"]
    ok = {"User": "app", "WorkingDir": "/procedures", "Volumes": {"/var/lib/dev": {}}}
    assert "HC8202" not in rule_ids(scan(tmp_path / "ok", [base_layer()], config=ok))


HISTORY = [
    {"created_by": "base image"},
    {"created_by": "ADD https://example.com/tool.tar.gz /opt/ # buildkit"},
    {"created_by": "RUN /bin/sh -c sudo apt-get dist-upgrade -y # buildkit"},
    {"created_by": "/bin/sh -c apk add curl"},
    {"created_by": "/bin/sh -c #(nop)  ADD file:3b1c9d in / "},
    {"created_by": "RUN /bin/sh -c apk add --no-cache curl && yum update httpd # buildkit"},
]


def _layers() -> list[Layer]:
    return [base_layer()] + [Layer([Dir(f"l{i}"), File(f"l{i}/x", b"1")]) for i in range(1, 6)]


def test_risky_steps_in_history(tmp_path: Path) -> None:
    found = by_rule(scan(tmp_path, _layers(), history=HISTORY), "HC8203")
    got = sorted((f.extra["history_index"], f.extra["problem"]) for f in found)
    assert got == [
        (1, "ADD of a URL (fetched without a checksum check)"),
        (2, "apt-get dist-upgrade (whole-system upgrade)"),
        (2, "sudo"),
        (3, "apk add without --no-cache"),
    ]
    assert {f.location.layer_index for f in found} == {1, 2, 3}


def test_history_steps_are_left_to_lint_when_the_dockerfile_is_given(tmp_path: Path) -> None:
    dockerfile = "FROM debian:12.5\nRUN sudo apt-get dist-upgrade -y\n"
    untraced = ("untraced-layers",)
    report = scan(tmp_path, _layers(), history=HISTORY, dockerfile=dockerfile, expect=untraced)
    assert "HC8203" not in rule_ids(report)
    assert {"HC2002", "HC3006"} <= rule_ids(report)  # lint's own rules, on the lines
    traced_only = scan(
        tmp_path / "t",
        _layers(),
        history=HISTORY,
        dockerfile=dockerfile,
        lint=False,
        expect=untraced,
    )
    assert "HC8203" in rule_ids(traced_only)


def test_tls_checks_turned_off_in_the_image_environment(tmp_path: Path) -> None:
    env = ["PATH=/usr/bin", "GIT_SSL_NO_VERIFY=false", "NODE_TLS_REJECT_UNAUTHORIZED=0"]
    history = [
        {"created_by": "base image"},
        {"created_by": "ENV GIT_SSL_NO_VERIFY=false", "empty_layer": True},
    ]
    cfg = {"User": "app", "Env": env}
    found = by_rule(scan(tmp_path, [base_layer()], config=cfg, history=history), "HC8415")
    assert {f.extra["variable"] for f in found} == {
        "GIT_SSL_NO_VERIFY",  # git: any value set turns the check off
        "NODE_TLS_REJECT_UNAUTHORIZED",
    }
    git = next(f for f in found if f.extra["variable"] == "GIT_SSL_NO_VERIFY")
    assert git.extra["history_index"] == 1
    ok = {"User": "app", "Env": ["NODE_TLS_REJECT_UNAUTHORIZED=1", "PYTHONHTTPSVERIFY=1"]}
    assert "HC8415" not in rule_ids(scan(tmp_path / "ok", [base_layer()], config=ok))
