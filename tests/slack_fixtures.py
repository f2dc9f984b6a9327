"""Fixtures for the chat tests: the fake Slack Web API, a local article site, and a real
Bolt app served over HTTP on a loopback port with signed requests, over a private copy of
the session's seeded ledger (`seeded_copy_url` from conftest).

Import the fixtures into a test module with `from tests.slack_fixtures import *`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from bot.core.services import Services
from bot.settings import ROOT, Settings
from tests.fake_slack import FakeSlack

SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"

__all__ = [
    "SECRET",
    "ArticleSite",
    "SlackHarness",
    "article_site",
    "fake_slack",
    "slack",
    "slack_settings",
]


def slack_settings(
    database_url: str, api_url: str = "http://127.0.0.1:9/api/", **extra: Any
) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SECRET,
        slack_api_url=api_url,
        fetch_allow_private_hosts=["127.0.0.1"],
        fetch_timeout_seconds=15,
        topics_path=ROOT / "config" / "topics.yaml",
        actors_path=ROOT / "config" / "actors.yaml",
        seeds_dir=ROOT / "seeds",
        **extra,
    )


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


# ---------------------------------------------------------------------- a local article site


@dataclass
class Page:
    body: str
    delay: float = 0.0


class ArticleSite:
    """Serves HTML articles from 127.0.0.1; a page may answer slowly, like a real site."""

    def __init__(self) -> None:
        self.pages: dict[str, Page] = {}
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                page = site.pages.get(self.path)
                if page is None:
                    self.send_error(404)
                    return
                time.sleep(page.delay)
                data = page.body.encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def add(self, path: str, title: str, paragraphs: list[str], *, delay: float = 0.0) -> str:
        body = "".join(f"<p>{p}</p>" for p in paragraphs)
        self.pages[path] = Page(
            f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>"
            f"<meta property='og:title' content='{title}'>"
            f"<meta property='article:published_time' content='2019-03-04T08:00:00Z'>"
            f"</head><body><article><h1>{title}</h1>{body}</article></body></html>",
            delay,
        )
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"


@pytest.fixture
def article_site() -> Iterator[ArticleSite]:
    site = ArticleSite()
    yield site
    site.server.shutdown()
    site.server.server_close()


# ---------------------------------------------------------------------- the Bolt app over HTTP


@dataclass
class Response:
    status: int
    body: str
    seconds: float


class SlackHarness:
    """A real Bolt app in HTTP mode on a loopback port, and a client that signs like Slack."""

    def __init__(self, settings: Settings, fake: FakeSlack) -> None:
        from bot.slack.app import build_app
        from bot.slack.server import build_server

        self.settings = settings
        self.fake = fake
        self.services = Services.build(settings)
        client = WebClient(token=BOT_TOKEN, base_url=fake.api_url)
        self.app = build_app(settings, self.services, client=client)
        self.server = build_server(settings, self.app, host="127.0.0.1", port=0).start()
        self.verifier = SignatureVerifier(SECRET)
        self._n = 0

    def stop(self) -> None:
        self.server.stop()
        self.services.close()

    def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        sig = signature or self.verifier.generate_signature(timestamp=ts, body=body)
        request = urllib.request.Request(
            self.server.url,
            data=body.encode("utf-8"),
            method="POST",
            headers={
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": sig,
                **(headers or {}),
            },
        )
        start = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=30) as resp:
                status, text = resp.status, resp.read().decode()
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read().decode()
        return Response(status, text, time.monotonic() - start)

    # -- payload builders, shaped like what Slack sends

    def command(
        self,
        command: str,
        text: str,
        *,
        user: str = "U111",
        channel: str = "C100",
        response: str = "r1",
        trigger: str | None = None,
        **kw: Any,
    ) -> Response:
        self._n += 1
        form = {
            "token": "legacy",
            "team_id": "T0TEST",
            "team_domain": "test",
            "channel_id": channel,
            "channel_name": "briefing",
            "user_id": user,
            "user_name": "analyst",
            "command": command,
            "text": text,
            "api_app_id": "A0TEST",
            "response_url": self.fake.response_url(response),
            # Slack gives every invocation its own trigger_id; a replay repeats it
            "trigger_id": trigger or f"{time.time_ns()}.{self._n}.cmd",
        }
        return self.post(urlencode(form), "application/x-www-form-urlencoded", **kw)

    def event(self, event: dict[str, Any], *, event_id: str | None = None, **kw: Any) -> Response:
        self._n += 1
        body = {
            "token": "legacy",
            "team_id": "T0TEST",
            "api_app_id": "A0TEST",
            "type": "event_callback",
            "event_id": event_id or f"Ev{self._n:08d}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": "T0TEST", "user_id": "UBOT", "is_bot": True}],
            "event": event,
        }
        return self.post(json.dumps(body), "application/json", **kw)

    def interaction(self, payload: dict[str, Any], **kw: Any) -> Response:
        payload = {"team": {"id": "T0TEST"}, "api_app_id": "A0TEST", "token": "legacy", **payload}
        body = urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded", **kw)


def signed(secret: str, ts: str, body: str) -> str:
    """The v0 signature computed by hand, as Slack documents it (cross-checks the SDK)."""
    mac = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256)
    return "v0=" + mac.hexdigest()


@pytest.fixture
def slack(seeded_copy_url: str, fake_slack: FakeSlack) -> Iterator[SlackHarness]:
    harness = SlackHarness(slack_settings(seeded_copy_url, fake_slack.api_url), fake_slack)
    yield harness
    harness.stop()
