"""`python -m bot serve` and `serve-discord` as real processes: Discord answers signed
PINGs beside Slack from one `serve`, or alone."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.settings import ROOT
from tests.fake_discord import APP_ID, BOT_TOKEN, Signer
from tests.fake_slack import FakeSlack

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status
    except (urllib.error.URLError, OSError):
        return None


@contextmanager
def _running(args: list[str], env: dict[str, str], cwd: Path) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_healthy(proc: subprocess.Popen[str], url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _get(url) == 200:
            return
        if proc.poll() is not None:
            raise AssertionError(
                f"exited {proc.returncode}: {proc.stdout.read() if proc.stdout else ''}"
            )
        time.sleep(0.2)
    raise AssertionError(f"{url} never answered")


def _ping(signer: Signer, port: int) -> dict:
    body = json.dumps({"id": "1", "application_id": APP_ID, "type": 1, "token": "t"}).encode()
    ts = str(int(time.time()))
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/interactions",
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-Signature-Ed25519": signer.sign(ts, body),
            "X-Signature-Timestamp": ts,
        },
    )
    with urllib.request.urlopen(request, timeout=10) as resp:
        return json.loads(resp.read())


def _env(tmp_path: Path, signer: Signer, discord_port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'serve.db'}",
        DISCORD_APPLICATION_ID=APP_ID,
        DISCORD_PUBLIC_KEY=signer.public_hex,
        DISCORD_BOT_TOKEN=BOT_TOKEN,
        DISCORD_API_URL="http://127.0.0.1:9/api/v10",
        DISCORD_PORT=str(discord_port),
        PYTHONPATH=str(ROOT),
        **extra,
    )
    return env


def test_serve_answers_slack_and_discord_from_one_process(tmp_path: Path) -> None:
    fake_slack = FakeSlack().start()
    signer = Signer()
    slack_port, discord_port = _free_port(), _free_port()
    env = _env(
        tmp_path,
        signer,
        discord_port,
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET="secret",
        SLACK_API_URL=fake_slack.api_url,
        PORT=str(slack_port),
    )
    try:
        with _running(["serve"], env, tmp_path) as proc:
            _wait_healthy(proc, f"http://127.0.0.1:{discord_port}/health")
            _wait_healthy(proc, f"http://127.0.0.1:{slack_port}/health")
            assert _ping(signer, discord_port) == {"type": 1}
            # both endpoints are waitress: an oversized body is refused from its headers
            for port, path in ((slack_port, "/slack/events"), (discord_port, "/interactions")):
                with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                    sock.sendall(
                        f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {50 << 20}\r\n"
                        "\r\n".encode()
                    )
                    assert sock.recv(64).startswith(b"HTTP/1.1 413 "), path
    finally:
        fake_slack.stop()


def test_serve_discord_alone(tmp_path: Path) -> None:
    signer = Signer()
    port = _free_port()
    with _running(["serve-discord"], _env(tmp_path, signer, port), tmp_path) as proc:
        _wait_healthy(proc, f"http://127.0.0.1:{port}/health")
        assert _ping(signer, port) == {"type": 1}
