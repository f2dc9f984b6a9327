"""Per-request tokens never reach a log line, at any level.

A Discord interaction token is the credential for its webhook (anyone holding it can post
as the bot for 15 minutes), and a Slack response_url is one too. Both travel in URLs that
HTTP libraries log: httpx logs each request URL at INFO, slack_sdk's webhook client logs
the response_url at DEBUG. The real endpoints answer a real signed request here, with every
logger at DEBUG, and all that was captured is searched for the tokens.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest

from bot import logging_setup
from tests.fake_discord import *  # noqa: F403
from tests.fake_discord import APP_ID, DiscordHarness
from tests.fake_slack import FakeSlack
from tests.slack_fixtures import *  # noqa: F403
from tests.slack_fixtures import SlackHarness, slack_settings

# Shaped like the real ones: Discord tokens are long URL-safe strings; a Slack
# response_url ends in a secret path segment.
DISCORD_TOKEN = "aW50ZXJhY3Rpb246MTIzNDU2Nzg5OnNlY3JldC1pbnRlcmFjdGlvbi10b2tlbg"
SLACK_RESPONSE_SECRET = "Zq8RresponseSecret7Kd2"


@pytest.fixture
def redaction() -> Iterator[None]:
    yield
    logging_setup.uninstall()


def test_discord_interaction_token_is_never_logged(
    discord: DiscordHarness,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    redaction: None,
) -> None:
    caplog.set_level(logging.DEBUG)
    logging_setup.install(discord.settings)
    resp = discord.command("position", {"topic": "haqqani"}, token=DISCORD_TOKEN)
    assert resp.status == 200
    discord.answers(DISCORD_TOKEN)  # the answer went out on the token's webhook URL
    time.sleep(0.3)
    out, err = capfd.readouterr()
    captured = "\n".join([caplog.text, out, err])
    assert f"/webhooks/{APP_ID}/" in captured  # the request was logged…
    assert DISCORD_TOKEN not in captured  # …without its token
    assert DISCORD_TOKEN[:24] not in captured


def test_slack_response_url_is_never_logged(
    seeded_copy_url: str,
    fake_slack: FakeSlack,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    redaction: None,
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = slack_settings(seeded_copy_url, fake_slack.api_url)
    logging_setup.install(settings)
    harness = SlackHarness(settings, fake_slack)
    name = f"commands/T0TEST/1234/{SLACK_RESPONSE_SECRET}"
    try:
        assert harness.command("/position", "haqqani", response=name).status == 200
        fake_slack.wait_for(f"response_url:{name}")
        time.sleep(0.3)
    finally:
        harness.stop()
    out, err = capfd.readouterr()
    captured = "\n".join([caplog.text, out, err])
    assert "/position" in captured
    assert SLACK_RESPONSE_SECRET not in captured


@pytest.mark.parametrize(
    ("logger", "line", "kept"),
    [
        (
            "httpx",
            f"HTTP Request: PATCH https://discord.com/api/v10/webhooks/{APP_ID}/SECRET123abc/"
            'messages/@original "HTTP/1.1 200 OK"',
            f"/webhooks/{APP_ID}/[redacted]/messages/@original",
        ),
        (
            "httpx",
            "HTTP Request: POST https://discord.com/api/v10/interactions/555/SECRET123abc/callback",
            "/interactions/555/[redacted]/callback",
        ),
        (
            "slack_sdk.webhook.client",
            "Sending a request - url: https://hooks.slack.com/commands/T1/2/SECRET123abc, body: {}",
            "url: https://hooks.slack.com/[redacted], body: {}",
        ),
        (
            "slack_sdk.webhook.client",
            "Sending a request - url: http://10.1.2.3:8080/any/SECRET123abc, body: {}",
            "url: http://10.1.2.3:8080/[redacted], body: {}",
        ),
        (
            "slack_bolt.App",
            '{"response_url": "https://proxy.example/r/SECRET123abc", "text": "x"}',
            '"response_url": "[redacted]", "text": "x"',
        ),
        (
            "slack_bolt.App",
            "command=%2Fingest&response_url=https%3A%2F%2Fhooks.slack.com%2FSECRET123abc&x=1",
            "response_url=[redacted]&x=1",
        ),
    ],
    ids=["discord-webhook", "discord-callback", "slack-hooks", "webhook-logger", "json", "form"],
)
def test_token_shapes_are_redacted(
    logger: str, line: str, kept: str, caplog: pytest.LogCaptureFixture, redaction: None
) -> None:
    caplog.set_level(logging.DEBUG)
    logging_setup.install()
    logging.getLogger(logger).debug(line)
    assert "SECRET123abc" not in caplog.text
    assert kept in caplog.text


def test_ordinary_urls_are_left_alone(caplog: pytest.LogCaptureFixture, redaction: None) -> None:
    caplog.set_level(logging.DEBUG)
    logging_setup.install()
    line = "fetched https://example.org/news/webhooks-explained/part-2 for U123"
    logging.getLogger("bot.indexer.fetch").info(line)
    assert line in caplog.text


def test_a_token_in_a_logged_traceback_is_redacted(
    caplog: pytest.LogCaptureFixture, redaction: None
) -> None:
    caplog.set_level(logging.DEBUG)
    logging_setup.install()
    try:
        raise RuntimeError(
            f"Client error '404 Not Found' for url "
            f"'https://discord.com/api/v10/webhooks/{APP_ID}/SECRET123abc/messages/@original'"
        )
    except RuntimeError:
        logging.getLogger("bot.discord").exception("posting the answer failed")
    assert "SECRET123abc" not in caplog.text
    assert f"webhooks/{APP_ID}/[redacted]" in caplog.text
