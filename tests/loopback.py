"""The guard of tests that fetch: every outgoing connect is recorded, and one beyond
loopback fails the test. Importing `connections` into a test module turns it on there
(it is autouse); a test that asks for it gets the hosts it connected to."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import pytest

__all__ = ["connections"]


@pytest.fixture(autouse=True)
def connections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every outgoing connect; refuse (and fail the test) on non-loopback ones."""
    attempts: list[str] = []
    original = socket.socket.connect

    def guarded(sock: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else str(address)
        attempts.append(host)
        if not ipaddress.ip_address(host.split("%")[0]).is_loopback:
            pytest.fail(f"test tried to connect to non-loopback {host}")
        return original(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    return attempts
