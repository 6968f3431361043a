"""GitHub Actions annotations: one workflow command per finding, none injectable."""

from __future__ import annotations

from hullcheck import diagnostics as diag
from hullcheck.document import Report
from hullcheck.model import Finding, Location, Practice, Severity, SourceSpan
from hullcheck.report import github, registry


def _finding(severity: Severity, message: str, location: Location) -> Finding:
    return Finding("HC1001", Practice.BASE_IMAGE, severity, "Base: not pinned", message, location)


def test_each_finding_is_one_command_on_its_dockerfile_line() -> None:
    at_line = Location(path="docker/Dockerfile", line=3)
    traced = Location(layer_index=1, file="/app/x", instruction=SourceSpan("Dockerfile", 7, 7))
    in_image = Location(layer_index=1, file="/etc/shadow")
    report = Report(
        findings=[
            _finding(Severity.LOW, "low one", at_line),
            _finding(Severity.CRITICAL, "traced", traced),
            _finding(Severity.INFO, "image only", in_image),
            _finding(Severity.UNKNOWN, "unknown", at_line),
        ]
    )
    lines = github.render(report).splitlines()
    assert lines[0].startswith("::error file=Dockerfile,line=7,title=HC1001 Base%3A not pinned::")
    assert lines[1].startswith("::error file=docker/Dockerfile,line=3,")  # unknown counts as high
    assert lines[2].startswith("::warning file=docker/Dockerfile,line=3,")
    assert (
        lines[3]
        == "::notice title=HC1001 Base%3A not pinned::image only (in the image: /etc/shadow)"
    )
    assert lines[-1] == "::error title=hullcheck verdict::hullcheck failed: Dockerfile, 4 findings"


def test_text_from_the_input_cannot_start_a_command() -> None:
    hostile = "x\n::error file=a::forged\r%0A::warning::also forged"
    report = Report(findings=[_finding(Severity.LOW, hostile, Location(path="a,b:c", line=1))])
    lines = github.render(report).splitlines()
    assert len(lines) == 2  # the finding and the verdict: no line break got through
    # the runner ends the properties at the first "::"; the rest is the message, verbatim
    properties, message = lines[0].removeprefix("::warning ").split("::", 1)
    assert properties == "file=a%2Cb%3Ac,line=1,title=HC1001 Base%3A not pinned"
    assert message == "x%0A::error file=a::forged%0D%250A::warning::also forged"


def test_checks_that_did_not_run_are_errors_and_the_verdict_says_incomplete() -> None:
    report = Report(
        diagnostics=[diag.error("catalog-unreadable", "catalog", "rpmdb is damaged", "rpm")]
    )
    lines = github.render(report).splitlines()
    assert lines[0].startswith("::error title=hullcheck%3A not checked::catalog-unreadable:")
    assert lines[-1].startswith("::error title=hullcheck verdict::hullcheck incomplete")
    clean = github.render(Report()).splitlines()
    assert clean == ["::notice title=hullcheck verdict::hullcheck passed: Dockerfile, 0 findings"]


def test_offered_by_lint_and_scan() -> None:
    assert "github" in registry.available_formats("lint")
    assert "github" in registry.available_formats("scan")
    assert "github" not in registry.available_formats("sbom")
