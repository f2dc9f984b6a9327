"""A local stand-in for Discord, both ways: a REST API on 127.0.0.1 that records every
request it receives, and a client that sends interactions signed with a test Ed25519 key.

Like tests/fake_slack.py: real HTTP on loopback, our real code on the other side, nothing
of ours patched. The fake API can answer one route with 429 once (retry_after in the JSON
body or in the Retry-After header), or say a route's bucket is exhausted
(X-RateLimit-Remaining: 0), or refuse a route with a Discord error.

Import the fixtures with `from tests.fake_discord import *`.
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from nacl.signing import SigningKey

from bot.core.services import Services
from bot.settings import ROOT, Settings
from tests.slack_fixtures import ArticleSite, article_site

__all__ = [
    "APP_ID",
    "BOT_TOKEN",
    "ArticleSite",
    "DiscordHarness",
    "FakeDiscord",
    "article_site",
    "discord",
    "discord_settings",
    "fake_discord",
]

APP_ID = "100000000000000001"
BOT_TOKEN = "test-bot-token"
API_PREFIX = "/api/v10"


@dataclass(frozen=True)
class Part:
    name: str
    filename: str | None
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Call:
    method: str  # "POST", "PATCH", "PUT"…
    path: str  # without the /api/v10 prefix or the query: "/channels/1/messages"
    query: str
    headers: dict[str, str]
    body: Any  # the JSON body (for multipart: payload_json, decoded)
    parts: dict[str, Part] = field(default_factory=dict)
    at: float = 0.0


def _multipart(raw: bytes, content_type: str) -> dict[str, Part]:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw
    )
    parts: dict[str, Part] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition") or ""
        parts[str(name)] = Part(
            str(name),
            part.get_filename(),
            part.get_content_type(),
            part.get_payload(decode=True) or b"",
        )
    return parts


@dataclass
class _Rule:
    status: int
    headers: dict[str, str]
    body: Any
    times: int


class FakeDiscord:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._lock = threading.Condition()
        self._rules: list[tuple[str, str, _Rule]] = []
        self._ids = itertools.count(900_000_000_000_000_001)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                ctype = self.headers.get("Content-Type", "")
                path, _, query = self.path.partition("?")
                if path.startswith(API_PREFIX):
                    path = path[len(API_PREFIX) :]
                parts: dict[str, Part] = {}
                body: Any = None
                if ctype.startswith("multipart/"):
                    parts = _multipart(raw, ctype)
                    if "payload_json" in parts:
                        body = json.loads(parts["payload_json"].data)
                elif raw:
                    body = json.loads(raw)
                call = Call(self.command, path, query, dict(self.headers.items()), body, parts, 0.0)
                status, headers, payload = fake._answer(call)
                fake._record(call)
                data = b"" if payload is None else json.dumps(payload).encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # ------------------------------------------------------------------ control

    def start(self) -> FakeDiscord:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{API_PREFIX}"

    def rate_limit_once(
        self, method: str, path: str, retry_after: float = 1.0, *, in_header: bool = False
    ) -> None:
        """Answer the next `method path` with 429: retry_after in the body, or (in_header)
        only in a Retry-After header."""
        if in_header:
            rule = _Rule(429, {"Retry-After": str(int(retry_after))}, None, 1)
        else:
            body = {"message": "You are being rate limited.", "retry_after": retry_after}
            rule = _Rule(429, {}, {**body, "global": False}, 1)
        self._rules.append((method, path, rule))

    def exhaust_bucket_once(self, method: str, path: str, reset_after: float) -> None:
        """Answer the next `method path` normally, but say its bucket is now empty."""
        headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": str(reset_after)}
        self._rules.append((method, path, _Rule(200, headers, "default", 1)))

    def refuse(
        self, method: str, path: str, status: int, message: str, *, code: int = 0, times: int = 99
    ) -> None:
        """Answer `method path` with an error, `times` times."""
        body = {"message": message, "code": code}
        self._rules.append((method, path, _Rule(status, {}, body, times)))

    # ------------------------------------------------------------------ inspection

    def received(self, method: str, path: str = "") -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method and path in c.path]

    def wait_for(
        self, method: str, path: str = "", count: int = 1, timeout: float = 30.0
    ) -> list[Call]:
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                got = [c for c in self.calls if c.method == method and path in c.path]
                if len(got) >= count:
                    return got
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(c.method, c.path) for c in self.calls]
                    raise AssertionError(f"{count}× {method} {path} not received; saw {seen}")
                self._lock.wait(left)

    # ------------------------------------------------------------------ behaviour

    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(Call(**{**call.__dict__, "at": time.monotonic()}))
            self._lock.notify_all()

    def _answer(self, call: Call) -> tuple[int, dict[str, str], Any]:
        with self._lock:
            for i, (method, path, rule) in enumerate(self._rules):
                if method == call.method and path in call.path:
                    rule.times -= 1
                    if rule.times <= 0:
                        del self._rules[i]
                    if rule.body != "default":
                        return rule.status, rule.headers, rule.body
                    return rule.status, rule.headers, self._default(call)
        return 200, {}, self._default(call)

    def _default(self, call: Call) -> Any:
        if call.method == "PUT" and call.path.endswith("/commands"):
            return [{**c, "id": str(next(self._ids)), "application_id": APP_ID} for c in call.body]
        if call.path == "/users/@me/channels":
            return {"id": f"5{call.body['recipient_id']}", "type": 1}
        if call.path.startswith("/channels/"):
            channel = call.path.split("/")[2]
            return {"id": str(next(self._ids)), "channel_id": channel}
        if call.path.startswith("/webhooks/"):
            return {"id": str(next(self._ids))}
        return {}


# ---------------------------------------------------------------------- Discord's side


@dataclass
class Response:
    status: int
    body: Any
    seconds: float


class Signer:
    """Signs interactions as Discord does: Ed25519 over timestamp + body."""

    def __init__(self) -> None:
        self.key = SigningKey.generate()

    @property
    def public_hex(self) -> str:
        return self.key.verify_key.encode().hex()

    def sign(self, timestamp: str, body: bytes) -> str:
        return self.key.sign(timestamp.encode() + body).signature.hex()


def discord_settings(database_url: str, api_url: str, public_key: str, **extra: Any) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        slack_bot_token=None,
        slack_signing_secret=None,
        discord_application_id=APP_ID,
        discord_public_key=public_key,
        discord_bot_token=BOT_TOKEN,
        discord_api_url=api_url,
        fetch_allow_private_hosts=["127.0.0.1"],
        fetch_timeout_seconds=15,
        topics_path=ROOT / "config" / "topics.yaml",
        actors_path=ROOT / "config" / "actors.yaml",
        seeds_dir=ROOT / "seeds",
        **extra,
    )


class DiscordHarness:
    """Our real interactions endpoint on a loopback port, and Discord's side of it."""

    def __init__(
        self, database_url: str, fake: FakeDiscord, *, ids_from: int = 1, **extra: Any
    ) -> None:
        from bot.discord.server import build_server

        self.fake = fake
        self.signer = Signer()
        self.settings = discord_settings(
            database_url, fake.api_url, self.signer.public_hex, **extra
        )
        self.services = Services.build(self.settings)
        self.server = build_server(self.settings, self.services, host="127.0.0.1", port=0).start()
        # interaction ids: two harnesses on one ledger need their own (a shared id is a replay)
        self._tokens = itertools.count(ids_from)

    def stop(self) -> None:
        self.server.stop()
        self.services.close()

    def post(
        self,
        payload: dict[str, Any] | bytes,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        sign: Callable[[str, bytes], str] | None = None,
    ) -> Response:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        ts = str(int(time.time()) if timestamp is None else timestamp)
        sig = signature or (sign or self.signer.sign)(ts, body)
        request = urllib.request.Request(
            self.server.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "X-Signature-Ed25519": sig,
                "X-Signature-Timestamp": ts,
                "User-Agent": "Discord-Interactions/1.0 (+https://discord.com)",
            },
        )
        start = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=30) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        seconds = time.monotonic() - start
        try:
            parsed: Any = json.loads(raw)
        except ValueError:
            parsed = raw.decode()
        return Response(status, parsed, seconds)

    # -- payloads shaped like Discord's

    def _base(self, kind: int, token: str | None, guild: bool, user: str) -> dict[str, Any]:
        n = next(self._tokens)
        token = token or f"tok{n}"
        base: dict[str, Any] = {
            "id": str(200000000000000000 + n),  # every interaction has its own id
            "application_id": APP_ID,
            "type": kind,
            "token": token,
            "version": 1,
            "channel_id": "300000000000000001",
        }
        user_obj = {"id": user, "username": "analyst", "global_name": "Analyst"}
        if guild:
            base["guild_id"] = "400000000000000001"
            base["member"] = {"user": user_obj, "nick": None, "roles": []}
        else:
            base["user"] = user_obj
        return base

    def command(
        self,
        name: str,
        options: dict[str, str] | None = None,
        *,
        token: str | None = None,
        guild: bool = True,
        user: str = "500000000000000001",
        **kw: Any,
    ) -> Response:
        payload = self._base(2, token, guild, user)
        payload["data"] = {
            "id": "600000000000000001",
            "name": name,
            "type": 1,
            "options": [{"name": k, "type": 3, "value": v} for k, v in (options or {}).items()],
        }
        return self.post(payload, **kw)

    def message_command(
        self, message: dict[str, Any], *, token: str | None = None, **kw: Any
    ) -> Response:
        payload = self._base(2, token, True, "500000000000000001")
        message = {"id": "700000000000000001", "channel_id": payload["channel_id"], **message}
        payload["data"] = {
            "id": "600000000000000002",
            "name": "Add to briefing",
            "type": 3,
            "target_id": message["id"],
            "resolved": {"messages": {message["id"]: message}},
        }
        return self.post(payload, **kw)

    def button(self, custom_id: str, *, token: str | None = None, **kw: Any) -> Response:
        payload = self._base(3, token, True, "500000000000000001")
        payload["data"] = {"custom_id": custom_id, "component_type": 2}
        payload["message"] = {"id": "700000000000000009", "flags": 64}
        return self.post(payload, **kw)

    def answers(self, token: str, count: int = 1, timeout: float = 60.0) -> list[Call]:
        """The messages our code sent for one interaction: the edit of @original, then
        follow-ups, in the order received."""
        first = self.fake.wait_for("PATCH", f"/{token}/messages/@original", timeout=timeout)
        if count > 1:
            self.fake.wait_for("POST", f"/webhooks/{APP_ID}/{token}", count - 1, timeout)
        time.sleep(0.2)  # let any further follow-up arrive
        return first + self.fake.received("POST", f"/webhooks/{APP_ID}/{token}")


@pytest.fixture
def fake_discord() -> Iterator[FakeDiscord]:
    fake = FakeDiscord().start()
    yield fake
    fake.stop()


@pytest.fixture
def discord(seeded_copy_url: str, fake_discord: FakeDiscord) -> Iterator[DiscordHarness]:
    harness = DiscordHarness(seeded_copy_url, fake_discord)
    yield harness
    harness.stop()


def embed_text(call: Call) -> str:
    """Everything a recorded message shows: content, embed titles and descriptions,
    button labels."""
    body = call.body or {}
    parts = [str(body.get("content", ""))]
    for embed in body.get("embeds") or []:
        parts += [str(embed.get("title", "")), str(embed.get("description", ""))]
    for row in body.get("components") or []:
        parts += [str(b.get("label", "")) for b in row.get("components", [])]
    return "\n".join(p for p in parts if p)


__all__ += ["Call", "Signer", "embed_text"]
