"""A source read from a file shows the project file it came from, never a path of the
bot's machine."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core.format import shown_path, source_location
from storage.queries import SourceRef


def _ref(path: str | None, url: str | None = None) -> SourceRef:
    return SourceRef(1, "Title", "Outlet", url, path, dt.date(2024, 1, 1), "day")


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ("seeds/000_abc.txt", "seeds/000_abc.txt"),
        ("bench/0001.txt", "bench/0001.txt"),
        ("/home/bot/inbox/article.txt", None),
        ("/tmp/upload.html", None),
        ("C:\\Users\\bot\\a.txt", None),
        ("../../etc/passwd", None),
        ("~/notes.txt", None),
        (None, None),
    ],
)
def test_only_project_paths_are_shown(path: str | None, shown: str | None) -> None:
    assert shown_path(_ref(path)) == shown
    location = source_location(_ref(path))
    assert location == (f"file: {shown}" if shown else None)


def test_a_link_wins_over_any_path() -> None:
    assert source_location(_ref("/home/bot/a.txt", "https://example.org/a")) == (
        "https://example.org/a"
    )
