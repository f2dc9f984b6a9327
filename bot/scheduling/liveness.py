"""Who holds a digest claim, and whether that holder is provably dead.

A claim names its holder as host:pid:nonce; another process on the same host can then
tell a crashed holder (no such pid, or the pid reused by a later process) from a slow one,
and take the claim over at once instead of waiting for its lease to lapse.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable


def worker_id() -> str:
    """host:pid:nonce — who holds a claim; the nonce tells a reused pid from its previous
    owner on the same host."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def holder_alive_fn(me: str) -> Callable[[str], bool]:
    host = socket.gethostname()

    def alive(holder: str) -> bool:
        """False only when provably dead: same host, and no such process (or, for our own
        pid, a different nonce — a previous life of this pid)."""
        parts = holder.split(":")
        if len(parts) < 2 or parts[0] != host:
            return True
        try:
            pid = int(parts[1])
        except ValueError:
            return True
        if pid == os.getpid():
            return holder == me
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    return alive
