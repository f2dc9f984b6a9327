"""A local stand-in for the Slack Web API (and for response_urls) that records every call.

In the manner of slack-bolt's own test suite: a small http.server on a thread, a real
WebClient(base_url=...) pointed at it, and assertions on what it received. It can be told
to answer one method with 429 + Retry-After once, or with an API error.

For posting digests it also plays Slack's three-step file upload (files.getUploadURLExternal,
the upload URL itself, files.completeUploadExternal), conversations.open for direct
messages, and can fail a method with HTTP 5xx a number of times, or answer it slowly.

It keeps the messages posted per channel, with their message metadata, and answers
conversations.history and conversations.replies from them (metadata only with
include_all_metadata, as Slack does) — and can post a message and then answer so late
that the client has timed out (`slow_once`), Slack's "posted, but you never heard".
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True)
class Call:
    method: str  # "chat.postMessage", or "response_url:<name>"
    headers: dict[str, str]
    body: dict[str, Any]
    at: float


def _parse(raw: bytes, content_type: str) -> dict[str, Any]:
    text = raw.decode("utf-8")
    if "json" in content_type:
        return json.loads(text or "{}")
    body: dict[str, Any] = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        if value[:1] in "[{":
            try:
                body[key] = json.loads(value)
                continue
            except ValueError:
                pass
        body[key] = value
    return body


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._lock = threading.Condition()
        self._rate_limited: dict[str, int] = {}
        self._errors: dict[str, str] = {}
        self._server_errors: dict[str, tuple[int, int]] = {}  # method → (times left, status)
        self._delays: dict[str, float] = {}
        self._delays_once: dict[str, float] = {}
        self._errors_after: dict[str, int] = {}
        self.messages: dict[str, list[dict[str, Any]]] = {}  # channel → messages, oldest first
        self.uploads: dict[str, bytes] = {}  # file id → the bytes uploaded
        self._files = itertools.count(1)
        self._ts = itertools.count(1)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                # slack_sdk reads (conversations.history, …) with GET and a query string
                parts = urlsplit(self.path)
                self._serve(parts.path, _parse(parts.query.encode(), "query"))

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                path = self.path.split("?", 1)[0]
                if path.startswith("/upload/"):
                    body: dict[str, Any] = {"bytes": len(raw)}
                    fake.uploads[path[len("/upload/") :]] = raw
                else:
                    body = _parse(raw, self.headers.get("Content-Type", ""))
                self._serve(path, body)

            def _serve(self, path: str, body: dict[str, Any]) -> None:
                if path.startswith("/upload/"):
                    method = "upload:" + path[len("/upload/") :]
                elif path.startswith("/api/"):
                    method = path[len("/api/") :]
                elif path.startswith("/response/"):
                    method = "response_url:" + path[len("/response/") :]
                else:
                    method = path
                status, headers, payload, delay = fake._answer(method, body)
                fake._record(Call(method, dict(self.headers.items()), body, time.monotonic()))
                if delay:
                    time.sleep(delay)  # the call has taken effect; only the answer is late
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                ctype = "text/plain" if isinstance(payload, bytes) else "application/json"
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # ------------------------------------------------------------------ control

    def start(self) -> FakeSlack:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def api_url(self) -> str:
        return self.base + "/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"{self.base}/response/{name}"

    def rate_limit_once(self, method: str, retry_after: int = 1) -> None:
        self._rate_limited[method] = retry_after

    def fail(self, method: str, error: str) -> None:
        self._errors[method] = error

    def server_error(
        self, method: str, times: int = 1, status: int = 503, *, after: int = 0
    ) -> None:
        """Answer `method` with HTTP `status` (and no effect) for `times` calls, once
        `after` more calls have succeeded."""
        with self._lock:
            self._server_errors[method] = (times, status)
            self._errors_after[method] = after

    def slow(self, method: str, seconds: float) -> None:
        """Answer `method` only after `seconds` (the call takes effect first)."""
        self._delays[method] = seconds

    def slow_once(self, method: str, seconds: float) -> None:
        """Like `slow`, for the next call only: with `seconds` past the client's timeout,
        the call takes effect and the client never hears so."""
        self._delays_once[method] = seconds

    def channel_messages(self, channel: str) -> list[dict[str, Any]]:
        """The messages in a channel (threads included), oldest first."""
        with self._lock:
            return list(self.messages.get(channel, []))

    def posted(self, channel: str | None = None) -> list[Call]:
        """chat.postMessage calls that succeeded (5xx'd ones had no effect), in order."""
        return [
            c
            for c in self.received("chat.postMessage")
            if c.body.get("_ok", True) and (channel is None or c.body.get("channel") == channel)
        ]

    # ------------------------------------------------------------------ inspection

    def received(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 30.0) -> list[Call]:
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                got = [c for c in self.calls if c.method == method]
                if len(got) >= count:
                    return got
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = sorted({c.method for c in self.calls})
                    raise AssertionError(
                        f"{count}× {method} not received in {timeout}s; saw {seen}"
                    )
                self._lock.wait(left)

    # ------------------------------------------------------------------ behaviour

    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)
            self._lock.notify_all()

    def _answer(self, method: str, body: dict[str, Any]) -> tuple[int, dict[str, str], Any, float]:
        with self._lock:
            delay = self._delays_once.pop(method, 0.0)
        return (*self._effect(method, body), delay)

    def _effect(self, method: str, body: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        with self._lock:
            retry_after = self._rate_limited.pop(method, None)
            error = self._errors.get(method)
            failing = self._server_errors.get(method)
            if failing is not None and self._errors_after.get(method, 0) > 0:
                self._errors_after[method] -= 1
                failing = None
            if failing is not None:
                left, status = failing
                if left <= 1:
                    del self._server_errors[method]
                else:
                    self._server_errors[method] = (left - 1, status)
            delay = self._delays.get(method, 0.0)
        if delay:
            time.sleep(delay)
        if failing is not None:
            body["_ok"] = False
            return failing[1], {}, {"ok": False, "error": "service_unavailable"}
        if retry_after is not None:
            body["_ok"] = False
            return 429, {"Retry-After": str(retry_after)}, {"ok": False, "error": "ratelimited"}
        if method.startswith("response_url:"):
            return 200, {}, b"ok"
        if error:
            body["_ok"] = False
            return 200, {}, {"ok": False, "error": error}
        if method == "auth.test":
            return (
                200,
                {},
                {
                    "ok": True,
                    "url": "https://test.slack.com/",
                    "team": "Test",
                    "user": "briefing",
                    "team_id": "T0TEST",
                    "user_id": "UBOT",
                    "bot_id": "BBOT",
                },
            )
        if method == "chat.postMessage":
            ts = f"1700000000.{next(self._ts):06d}"
            stored: dict[str, Any] = {"type": "message", "ts": ts, "text": body.get("text", "")}
            if body.get("thread_ts"):
                stored["thread_ts"] = body["thread_ts"]
            if isinstance(body.get("metadata"), dict):
                stored["metadata"] = body["metadata"]
            with self._lock:
                self.messages.setdefault(str(body.get("channel")), []).append(stored)
            return 200, {}, {"ok": True, "channel": body.get("channel"), "ts": ts}
        if method in ("conversations.history", "conversations.replies"):
            return 200, {}, {"ok": True, "messages": self._read(method, body), "has_more": False}
        if method == "conversations.open":
            return 200, {}, {"ok": True, "channel": {"id": f"D{body.get('users', 'X')}"}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._files):06d}"
            return (
                200,
                {},
                {"ok": True, "file_id": file_id, "upload_url": f"{self.base}/upload/{file_id}"},
            )
        if method == "files.completeUploadExternal":
            files = body.get("files") or []
            if isinstance(files, str):
                files = json.loads(files)
            return 200, {}, {"ok": True, "files": [{"id": f.get("id")} for f in files]}
        if method.startswith("upload:"):
            return 200, {}, b"OK"
        return 200, {}, {"ok": True}

    def _read(self, method: str, body: dict[str, Any]) -> list[dict[str, Any]]:
        """history: a channel's top-level messages, newest first; replies: a thread's
        parent then its replies, oldest first. Metadata only when asked for."""
        messages = self.channel_messages(str(body.get("channel")))
        if method == "conversations.history":
            chosen = [m for m in reversed(messages) if m.get("thread_ts") in (None, m["ts"])]
        else:
            ts = body.get("ts")
            chosen = [m for m in messages if m["ts"] == ts or m.get("thread_ts") == ts]
        limit = int(body.get("limit") or 100)
        with_metadata = str(body.get("include_all_metadata")).lower() in ("1", "true")
        return [
            m if with_metadata else {k: v for k, v in m.items() if k != "metadata"}
            for m in chosen[:limit]
        ]
