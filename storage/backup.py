"""A consistent copy of a live SQLite ledger, taken while the bot keeps running.

SQLite's online backup API copies pages under its own locking, so the copy is a
snapshot at one instant even with a writer active — unlike copying the file (and its
-wal sidecar), which can tear.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupUnsupported(RuntimeError):
    pass


def backup(database_url: str, dest: Path) -> Path:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise BackupUnsupported(
            "backup copies SQLite databases; for PostgreSQL use pg_dump/pg_restore"
        )
    source = Path(url.database)
    if not source.exists():
        raise BackupUnsupported(f"no database at {source}")
    dest = Path(dest)
    if dest.exists() and dest.is_dir():
        dest = dest / source.name
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(dest.suffix + ".partial")
    tmp.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        out = sqlite3.connect(tmp)
        try:
            src.backup(out, pages=1024)
            ok = out.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            out.close()
    finally:
        src.close()
    if ok != "ok":
        tmp.unlink(missing_ok=True)
        raise BackupUnsupported(f"the copy failed its integrity check: {ok}")
    tmp.replace(dest)  # a half-written copy never takes the destination's name
    return dest
