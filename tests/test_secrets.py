"""Tokens and signing secrets never reach a log line, an error message or a traceback.

The Slack app runs for real over loopback with every logger at DEBUG (slack_sdk logs each
request it sends at that level) and is driven into its error paths: a bad signature, a
Web API call answered with invalid_auth, a handler that raises. Everything captured —
caplog's records with their tracebacks, and the process's stdout/stderr — is searched for
the token and the secret. The CLI is run with a token the fake Web API rejects.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import logging_setup
from bot.settings import ROOT, Settings
from tests.fake_slack import FakeSlack
from tests.slack_fixtures import *  # noqa: F403
from tests.slack_fixtures import BOT_TOKEN, SECRET, SlackHarness, slack_settings

CLI_TOKEN = "xoxb-0000-cli-should-never-be-printed"
CLI_SECRET = "cli-signing-secret-never-printed"


@pytest.fixture
def redaction() -> Iterator[None]:
    yield
    logging_setup.uninstall()


def everything(caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]) -> str:
    out, err = capfd.readouterr()
    return "\n".join([caplog.text, out, err])


def test_slack_error_paths_log_no_token_or_secret(
    seeded_copy_url: str,
    fake_slack: FakeSlack,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    redaction: None,
) -> None:
    caplog.set_level(logging.DEBUG)  # root and every library logger
    settings = slack_settings(seeded_copy_url, fake_slack.api_url)
    logging_setup.install(settings)  # what `python -m bot` does first
    harness = SlackHarness(settings, fake_slack)
    try:
        # 1. a forged signature
        assert harness.command("/position", "haqqani", signature="v0=" + "f" * 64).status == 401
        # 2. a Web API call refused with invalid_auth (the bot answers a DM, Slack says no)
        fake_slack.fail("chat.postMessage", "invalid_auth")
        dm = {"type": "message", "channel": "D1", "channel_type": "im", "user": "U1"}
        assert harness.event({**dm, "text": "hello", "ts": "1700000000.000001"}).status == 200
        fake_slack.wait_for("chat.postMessage", count=2)  # the hint, then the apology
        # 3. a handler that raises: its table is gone
        db_path = seeded_copy_url.removeprefix("sqlite:///")
        with sqlite3.connect(db_path) as conn:
            conn.execute("DROP TABLE positions")
        assert harness.command("/position", "haqqani", response="boom").status == 200
        failed = fake_slack.wait_for("response_url:boom")[0].body["text"]
        assert "failed on my side" in failed and "positions" not in failed
        time.sleep(0.5)
    finally:
        harness.stop()
    captured = everything(caplog, capfd)
    assert "invalid_auth" in captured and "Traceback" in captured  # the paths were taken
    assert "OperationalError" in captured
    assert BOT_TOKEN not in captured
    assert SECRET not in captured
    # the requests the token went out on were logged at DEBUG, with the token redacted
    assert "chat.postMessage" in captured


def test_redaction_covers_messages_arguments_and_tracebacks(
    caplog: pytest.LogCaptureFixture, redaction: None
) -> None:
    """A library that does put a secret in a record (we found none that does) is scrubbed."""
    caplog.set_level(logging.DEBUG)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SECRET,
        database_url="postgresql+psycopg://bot:db-password-123@127.0.0.1/x",
    )
    logging_setup.install(settings)
    log = logging.getLogger("tests.secrets")
    log.debug("calling with token=%s", BOT_TOKEN)
    log.info(f"secret {SECRET} in an f-string")
    log.warning("password %s", "db-password-123")
    try:
        raise RuntimeError(f"server said: bad token {BOT_TOKEN}")
    except RuntimeError:
        log.exception("call failed")
    assert BOT_TOKEN not in caplog.text and SECRET not in caplog.text
    assert "db-password-123" not in caplog.text
    assert caplog.text.count(logging_setup.REDACTED) == 4
    assert "RuntimeError: server said: bad token [redacted]" in caplog.text


def test_settings_repr_hides_secrets() -> None:
    s = Settings(_env_file=None, slack_bot_token=BOT_TOKEN, slack_signing_secret=SECRET)  # type: ignore[call-arg]
    assert BOT_TOKEN not in repr(s) and SECRET not in repr(s) and SECRET not in str(s)


def test_cli_with_a_rejected_token_says_so_in_one_line_without_it(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    fake_slack.fail("auth.test", "invalid_auth")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'cli.db'}",
        SLACK_BOT_TOKEN=CLI_TOKEN,
        SLACK_SIGNING_SECRET=CLI_SECRET,
        SLACK_API_URL=fake_slack.api_url,
        LOG_LEVEL="DEBUG",
        PORT="0",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "serve"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 2, output[-2000:]
    assert "error: Slack did not accept SLACK_BOT_TOKEN" in proc.stderr
    assert "invalid_auth" in proc.stderr
    assert "Traceback" not in output
    assert "auth.test" in output  # DEBUG logging was on: the request itself was logged
    assert CLI_TOKEN not in output and CLI_SECRET not in output
