"""Policies through the API: checked by hullcheck's strict loader, then applied to the
scans of the repositories they name."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.server.conftest import make_token, start_server, wait_for
from tests.sources.test_registry_integration import push, start_registry

POLICY = """\
fail-on: critical
rules:
  ignore: [HC8001]
"""


def test_a_policy_hullcheck_cannot_read_is_refused_with_its_reason(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    server = start_server(url, tmp_path / "data")
    admin = make_token(url, "admin")
    try:
        with server.client(admin) as client:
            bad = {"name": "p", "config": "fail-on: sometimes\n"}
            r = client.post("/api/v1/policies", json=bad)
            assert r.status_code == 422
            assert "sometimes" in r.json()["detail"] and "/tmp" not in r.json()["detail"]
            r = client.post("/api/v1/policies", json={"name": "p", "config": POLICY})
            assert r.status_code == 201, r.text
            assert [p["name"] for p in client.get("/api/v1/policies").json()] == ["p"]
            again = client.post("/api/v1/policies", json={"name": "p", "config": POLICY})
            assert again.status_code == 409
    finally:
        server.stop()


@pytest.mark.registry
@pytest.mark.images
def test_a_policy_applies_to_the_scans_of_its_repositories(
    request: pytest.FixtureRequest, shared_dir: Path, test_images: Path, tmp_path: Path
) -> None:
    reg = start_registry(request, shared_dir, tmp_path / "reg")
    push(test_images, reg, "debian-minbase", "team/base")
    push(test_images, reg, "debian-minbase", "other/base")
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    server = start_server(url, tmp_path / "data", "--allow-registry", reg.host)
    admin = make_token(url, "admin")
    try:
        with server.client(admin) as client:
            r = client.post(
                "/api/v1/policies",
                json={"name": "team", "config": POLICY, "repositories": f"{reg.host}/team/*"},
            )
            assert r.status_code == 201, r.text
            rules = {}
            for repo in ("team/base", "other/base"):
                uid = client.post(
                    "/api/v1/scans", json={"image": f"{reg.host}/{repo}:latest"}
                ).json()["id"]
                done = wait_for(client, uid, ("done", "failed"), timeout=240)
                assert done["status"] == "done", done
                report = client.get(f"/api/v1/scans/{uid}/report").json()
                rules[repo] = {f["rule"] for f in report["findings"]}
        assert "HC8001" in rules["other/base"]  # root user: reported without the policy
        assert "HC8001" not in rules["team/base"]  # ignored by the team's policy
    finally:
        server.stop()
