from __future__ import annotations

import pytest

from hullcheck.catalog.licenses import to_spdx


@pytest.mark.parametrize(
    ("declared", "spdx"),
    [
        ("GPL-2", "GPL-2.0-only"),
        ("GPL-2+", "GPL-2.0-or-later"),
        ("LGPL-2.1+", "LGPL-2.1-or-later"),
        ("GFDL-1.3", "GFDL-1.3-only"),
        ("Expat", "MIT"),
        ("MIT License", "MIT"),
        ("bsd-3-clause", "BSD-3-Clause"),
        ("Apache-2.0", "Apache-2.0"),
        ("MIT OR Apache-2.0", "MIT OR Apache-2.0"),
    ],
)
def test_known_names(declared: str, spdx: str) -> None:
    assert to_spdx(declared) == spdx


@pytest.mark.parametrize("declared", ["", "public-domain", "BSD-like", "GPL-9", "The", "GPL"])
def test_unknown_names_stay_unmapped(declared: str) -> None:
    assert to_spdx(declared) is None
