"""The service's policies: each a ``.hullcheck.yaml`` (and ``.hullcheckignore``) applied to
the scans of the repositories its glob matches (the most specific glob wins).

A policy is checked by hullcheck's own strict loader before it is stored, so a typo is a
422 naming the key, not a policy that silently does nothing; a scan then gets the files
through ``--config`` and ``--ignore-file``.
"""

from __future__ import annotations

import fnmatch
import tempfile
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from hullcheck.errors import HullcheckError
from hullcheck.policy.apply import load_policy
from hullcheck.server.db import Policy

CONFIG_NAME = ".hullcheck.yaml"
IGNORE_NAME = ".hullcheckignore"


def validate(config: str, ignores: str | None) -> str | None:
    """Why hullcheck would refuse this policy (None: it reads it)."""
    with tempfile.TemporaryDirectory(prefix="hullcheck-policy-") as tmp:
        files = write(Path(tmp), config, ignores)
        try:
            load_policy(config_file=files[0], ignore_file=files[1] if len(files) > 1 else None)
        except HullcheckError as err:
            return err.message.replace(tmp + "/", "")
    return None


def write(directory: Path, config: str, ignores: str | None) -> list[Path]:
    """The policy as files a scan can be given; [config] or [config, ignore file]."""
    paths = [directory / CONFIG_NAME]
    paths[0].write_text(config, encoding="utf-8")
    if ignores:
        paths.append(directory / IGNORE_NAME)
        paths[1].write_text(ignores, encoding="utf-8")
    return paths


def policy_for(session: Session, repository: str) -> Policy | None:
    """The policy of the most specific glob matching ``repository``."""
    matching = [
        p
        for p in session.scalars(select(Policy))
        if fnmatch.fnmatchcase(repository, p.repositories)
    ]
    return max(matching, key=lambda p: (len(p.repositories.replace("*", "")), -p.id), default=None)
