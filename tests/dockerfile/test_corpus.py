"""Every Dockerfile of the shared corpus is read without a crash, in BuildKit's terms."""

from __future__ import annotations

from pathlib import Path

from hullcheck.dockerfile import parse
from hullcheck.errors import DockerfileError

CK = "bridgecrewio__checkov/tests__"
BK = "moby__buildkit/frontend__dockerfile__parser__testfiles"

# Files BuildKit (docker build) rejects, with the line it stops at.  Everything else in
# the corpus must parse: hadolint fails on 34 buildable files that we must read.
EXPECTED_SYNTAX_ERRORS = {
    "Eliasj42__arc-windows-runner/Dockerfile": 34,
    CK + "dockerfile__checks__example_HealthcheckExists__failure__Dockerfile": 3,
    CK + "dockerfile__checks__example_HealthcheckExists__success__Dockerfile": 3,
    CK + "dockerfile__checks__example_UpdateNotAlone__failure__Dockerfile": 12,
    CK + "secrets__multiline_finding__Dockerfile.mine": 1,
    CK + "secrets__multiline_finding__Dockerfile.two_secrets": 1,
    CK + "secrets__resources__file_type__Dockerfile": 13,
    "containers__buildah/tests__bud__add-checksum__Containerfile.bad": 2,
    "containers__buildah/tests__bud__copy-chown__Dockerfile.bad": 3,
    "kubernetes__kubernetes/test__images__agnhost__Dockerfile": 18,
    BK + "-negative__env_no_value__Dockerfile": 3,
    BK + "-negative__only_comments__Dockerfile": 3,
    BK + "-negative__shykes-nested-json__Dockerfile": 1,
    BK + "__env__Dockerfile": 12,
    "vimagick__dockerfiles/obs-web-arm__Dockerfile": 15,
    "wagoodman__dive/cmd__dive__cli__testdata__invalid__Dockerfile": 2,
}


def test_whole_corpus_parses_as_buildkit_would(shared_dir: Path) -> None:
    root = shared_dir / "corpus" / "dockerfiles"
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.name != "MANIFEST.tsv")
    assert len(files) > 1000
    errors: dict[str, int] = {}
    for path in files:
        text = path.read_bytes().decode("utf-8", "replace")
        try:
            parse(text, str(path))
        except DockerfileError as err:
            errors[str(path.relative_to(root))] = err.line
    assert errors == EXPECTED_SYNTAX_ERRORS
