"""The program catalogers' ``accept``: executables are offered, data files never read."""

from __future__ import annotations

from pathlib import Path

from hullcheck.catalog.subscriber import is_executable_file
from hullcheck.model import FileRef
from hullcheck.sources.api import open_image
from hullcheck.sources.walker import Subscription
from tests.fixtures.imagebuilder import File, Layer, make_image


def test_only_files_with_an_execute_bit_are_offered(tmp_path: Path) -> None:
    layer = Layer(
        [
            File("usr/bin/tool", b"\x7fELF", mode=0o755),
            File("usr/bin/owner-only", b"\x7fELF", mode=0o700),
            File("srv/data.bin", b"x" * 100_000, mode=0o644),
        ]
    )
    img = make_image(tmp_path / "i", [layer])
    seen: list[tuple[str, int]] = []

    def on_file(ref: FileRef, data: bytes | None) -> None:
        seen.append((ref.path, len(data or b"")))

    with open_image(img.reference) as handle:
        programs = Subscription("programs", on_file, all_entries=True, accept=is_executable_file)
        handle.walk([programs])
    assert seen == [("/usr/bin/tool", 4), ("/usr/bin/owner-only", 4)]
