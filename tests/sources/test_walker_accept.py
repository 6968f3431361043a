"""``Subscription.accept``: a header-level filter that keeps unwanted content unread."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from hullcheck.model import FileRef
from hullcheck.sources.tarstream import TarStream
from hullcheck.sources.walker import Subscription
from tests.fixtures.imagebuilder import File, Layer, make_image
from tests.sources.helpers import Collector, read


def is_executable_file(ref: FileRef) -> bool:
    return stat.S_ISREG(ref.mode) and bool(ref.mode & 0o111)


@pytest.fixture
def image(tmp_path: Path) -> str:
    layer = Layer(
        [
            File("app/tool", b"\x7fELF" + b"T" * 4000, mode=0o755),
            File("app/data.bin", b"D" * 300_000, mode=0o644),
            File("app/small.txt", b"hello", mode=0o600),
        ]
    )
    return make_image(tmp_path / "img", [layer]).reference


def test_accept_sees_the_header_and_rejected_content_is_never_read(
    image: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    limits_read: list[int] = []
    original = TarStream.read_content

    def spy(self: TarStream, limit: int) -> bytes:
        data = original(self, limit)
        limits_read.append(len(data))
        return data

    monkeypatch.setattr(TarStream, "read_content", spy)
    seen_headers: list[tuple[str, int, int]] = []

    def accept(ref: FileRef) -> bool:
        seen_headers.append((ref.path, ref.size, stat.S_IMODE(ref.mode)))
        return is_executable_file(ref)

    col = Collector()
    read(image, [Subscription("bins", col, all_entries=True, accept=accept, max_size=1 << 20)])
    assert seen_headers == [
        ("/app/tool", 4004, 0o755),
        ("/app/data.bin", 300_000, 0o644),
        ("/app/small.txt", 5, 0o600),
    ]
    assert col.seen == [("/app/tool", 0, b"\x7fELF" + b"T" * 4000)]
    assert limits_read == [4004]  # data.bin and small.txt were skipped, not buffered


def test_accept_narrows_one_subscription_only(image: str) -> None:
    bins, everything = Collector(), Collector()
    read(
        image,
        [
            Subscription("bins", bins, all_entries=True, accept=is_executable_file),
            Subscription("all", everything, all_entries=True, max_size=10),
        ],
    )
    assert [p for p, _, _ in bins.seen] == ["/app/tool"]
    assert [(p, d) for p, _, d in everything.seen] == [
        ("/app/tool", b"\x7fELF" + b"T" * 6),
        ("/app/data.bin", b"D" * 10),
        ("/app/small.txt", b"hello"),
    ]


def test_an_accept_that_raises_unsubscribes_its_analyser_only(image: str) -> None:
    calls: list[str] = []

    def broken(ref: FileRef) -> bool:
        calls.append(ref.path)
        raise RuntimeError("accept bug")

    others = Collector()
    result = read(
        image,
        [
            Subscription("broken", Collector(), all_entries=True, accept=broken),
            Subscription("others", others, all_entries=True),
        ],
    )
    assert calls == ["/app/tool"]  # stopped after the first failure
    assert len(others.seen) == 3
    assert len(result.errors) == 1
    assert "analyser broken failed on /app/tool" in result.errors[0].message
    assert "RuntimeError: accept bug" in result.errors[0].message
