"""Write docs/rules.md from the rule metadata (``hullcheck.rulebook.markdown``).

Run from the repository root: ``python scripts/rule-docs.py``.  ``tests/test_rulebook.py``
fails when the file differs from what this writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from hullcheck.rulebook import markdown  # noqa: E402 - after the path is set

if __name__ == "__main__":
    doc = ROOT / "docs" / "rules.md"
    doc.write_text(markdown(), encoding="utf-8")
    print(f"wrote {doc}")
