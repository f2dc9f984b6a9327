"""SlackPoster: the Poster protocol (bot.core.poster) over the bot's WebClient.

Owns how unprompted messages reach Slack: rendering through bot.slack.render (so Block
Kit limits are met by the one module that knows them), continuation in a thread, the pace
Slack asks for (one message per second per channel), and retries. 429s are waited out by
the client's RateLimitErrorRetryHandler (Retry-After); 5xx answers, timeouts and dropped
connections are retried here with exponential backoff (tenacity). When Slack keeps failing
the call raises PostFailed with a reason short enough for `/digest status`.

A timeout or a 5xx does not say whether Slack posted the message, and chat.postMessage has
no idempotency key, so a digest part is never re-posted blindly: each of its messages
carries message metadata (event type `briefing_digest_part`, payload run, part, page), and
before another try the poster reads the channel (conversations.history, or the thread's
conversations.replies, with include_all_metadata) and takes the message it finds there
instead of posting it again. For the same reason the posting client drops slack_sdk's
ConnectionErrorRetryHandler, which would repeat a post behind our back.
"""

from __future__ import annotations

import http.client
import logging
import socket
import threading
import time
import urllib.error
from collections.abc import Callable
from typing import Any, TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler
from tenacity import (
    RetryCallState,
    RetryError,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

from bot.core.poster import PartKey, PostFailed
from bot.core.reply import Reply
from bot.settings import Settings
from bot.slack.render import Message, to_messages

log = logging.getLogger(__name__)
T = TypeVar("T")

PART_EVENT = "briefing_digest_part"
HISTORY_LIMIT = 50  # the parts of one digest are among the channel's latest messages

_TRANSIENT_ERRORS = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"}
)


def transient(exc: BaseException) -> bool:
    """Worth another try: Slack's 5xx/overload answers, 429 past the client's own retries,
    and network trouble. A refusal (channel_not_found, not_in_channel…) is not."""
    if isinstance(exc, SlackApiError):
        status = getattr(exc.response, "status_code", 200) or 200
        return status >= 500 or status == 429 or exc.response.get("error") in _TRANSIENT_ERRORS
    return isinstance(
        exc,
        urllib.error.URLError
        | TimeoutError
        | ConnectionError
        | socket.timeout
        | http.client.HTTPException,
    )


def retry_after(exc: BaseException | None) -> float | None:
    """Slack's Retry-After, when a 429 got past the client's own rate-limit handler."""
    if isinstance(exc, SlackApiError) and getattr(exc.response, "status_code", None) == 429:
        headers = getattr(exc.response, "headers", None) or {}
        value = headers.get("Retry-After") or headers.get("retry-after")
        try:
            return float(value) if value is not None else None
        except (TypeError, ValueError):
            return None
    return None


def reason(exc: BaseException) -> str:
    if isinstance(exc, SlackApiError):
        status = getattr(exc.response, "status_code", None)
        error = exc.response.get("error") if exc.response is not None else None
        return f"HTTP {status}: {error or 'error'}"
    return f"{type(exc).__name__}: {exc}"[:300]


class SlackPoster:
    platform = "slack"

    def __init__(
        self,
        client: WebClient,
        *,
        min_interval: float = 1.0,
        attempts: int = 5,
        backoff: float = 1.0,
        backoff_max: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.post_client = _without_blind_retries(client)
        self.min_interval = min_interval
        self.attempts = attempts
        self.backoff = backoff
        self.backoff_max = backoff_max
        self._sleep = sleep
        self._last: dict[str, float] = {}
        self._pace = threading.Lock()
        self._channel_locks: dict[str, threading.Lock] = {}

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> SlackPoster:
        from bot.slack.app import build_client

        return cls(build_client(settings), **kwargs)

    # ------------------------------------------------------------------ Poster

    def post(
        self, channel: str, reply: Reply, *, thread: str | None = None, key: PartKey | None = None
    ) -> list[str]:
        """Every message of the reply in order; without `thread`, messages after the first
        continue in the first one's thread. With `key`, each message is labelled and
        looked for before any repeated try (see the module docstring)."""
        ids: list[str] = []
        for page, msg in enumerate(to_messages(reply)):
            metadata = None
            if key is not None:
                payload = {"run": key.run, "part": key.part, "page": page}
                metadata = {"event_type": PART_EVENT, "event_payload": payload}
            verify = key is not None and key.verify
            ts = self._post_message(channel, msg, thread=thread, metadata=metadata, verify=verify)
            ids.append(ts)
            thread = thread or ts
        return ids

    def upload_png(
        self,
        channel: str,
        png: bytes,
        *,
        title: str,
        thread: str | None = None,
        filename: str = "weekly-chart.png",
    ) -> str:
        def call() -> str:
            resp = self.client.files_upload_v2(
                channel=channel,
                content=png,
                filename=filename,
                title=title,
                thread_ts=thread,
            )
            file = resp.get("file") or {}
            return str(file.get("id") or "")

        return self._paced(channel, "files.upload", call)

    def direct_message(self, user: str, reply: Reply) -> list[str]:
        def open_dm() -> str:
            resp = self.client.conversations_open(users=user)
            return str((resp.get("channel") or {}).get("id"))

        channel = self._retrying("conversations.open", open_dm)
        return self.post(channel, reply)

    # ------------------------------------------------------------------ internals

    def _post_message(
        self,
        channel: str,
        msg: Message,
        *,
        thread: str | None,
        metadata: dict[str, Any] | None = None,
        verify: bool = False,
    ) -> str:
        tries = 0

        def call() -> str:
            nonlocal tries
            tries += 1
            if metadata is not None and (verify or tries > 1):
                found = self._find_posted(channel, thread, metadata)
                if found is not None:
                    log.info(
                        "slack: %s was already posted (%s); not posting it again",
                        metadata["event_payload"],
                        found,
                    )
                    return found
            # metadata=None is left out of the request by slack_sdk
            resp = self.post_client.chat_postMessage(
                channel=channel,
                thread_ts=thread,
                text=msg["text"],
                blocks=msg["blocks"],
                unfurl_links=False,
                unfurl_media=False,
                metadata=metadata,
            )
            return str(resp.get("ts"))

        return self._paced(channel, "chat.postMessage", call)

    def _find_posted(
        self, channel: str, thread: str | None, metadata: dict[str, Any]
    ) -> str | None:
        """The ts of a message in the channel (or thread) carrying this metadata, if any.
        Errors that are worth a retry propagate (the caller's retry covers the look-up
        too); a refusal (missing_scope, say) is logged and counts as "not found", since
        a digest posted twice is better than a digest lost."""
        try:
            if thread is not None:
                resp = self.post_client.conversations_replies(
                    channel=channel, ts=thread, limit=200, include_all_metadata=True
                )
            else:
                resp = self.post_client.conversations_history(
                    channel=channel, limit=HISTORY_LIMIT, include_all_metadata=True
                )
        except SlackApiError as exc:
            if transient(exc):
                raise
            log.warning("slack: could not read %s to check for a post (%s)", channel, reason(exc))
            return None
        wanted = {k: str(v) for k, v in metadata["event_payload"].items()}
        for message in resp.get("messages") or []:
            meta = message.get("metadata") if isinstance(message, dict) else None
            if not isinstance(meta, dict) or meta.get("event_type") != metadata["event_type"]:
                continue
            payload = meta.get("event_payload")
            if isinstance(payload, dict) and {k: str(payload.get(k)) for k in wanted} == wanted:
                return str(message.get("ts"))
        return None

    def _paced(self, channel: str, what: str, call: Callable[[], T]) -> T:
        """One call per channel per `min_interval`, counted from the previous call's end."""
        with self._pace:
            lock = self._channel_locks.setdefault(channel, threading.Lock())
        with lock:
            wait = self._last.get(channel, float("-inf")) + self.min_interval - time.monotonic()
            if wait > 0:
                self._sleep(wait)
            try:
                return self._retrying(what, call)
            finally:
                self._last[channel] = time.monotonic()

    def _retrying(self, what: str, call: Callable[[], T]) -> T:
        exponential = wait_exponential(multiplier=self.backoff, max=self.backoff_max)

        def wait(state: RetryCallState) -> float:
            asked = retry_after(state.outcome.exception() if state.outcome else None)
            return asked if asked is not None else exponential(state)

        def warn(state: RetryCallState) -> None:
            # only exceptions are retried, so a failed outcome always carries one
            exc = state.outcome.exception() if state.outcome else None
            log.warning(
                "slack: %s failed (%s); retry %d",
                what,
                reason(exc) if exc is not None else "?",
                state.attempt_number,
            )

        retrying = Retrying(
            stop=stop_after_attempt(self.attempts),
            wait=wait,
            retry=retry_if_exception(transient),
            sleep=self._sleep,
            before_sleep=warn,
            reraise=False,
        )
        try:
            return retrying(call)
        except RetryError as exc:
            last = exc.last_attempt.exception()
            raise PostFailed(
                f"{what} failed after {self.attempts} attempts: {reason(last) if last else '?'}"
            ) from last
        except (SlackApiError, SlackClientError, OSError, http.client.HTTPException) as exc:
            raise PostFailed(f"{what}: {reason(exc)}") from exc


def _without_blind_retries(client: WebClient) -> WebClient:
    """The same client minus ConnectionErrorRetryHandler: a dropped connection after a
    post was sent is exactly the case where repeating it would post twice."""
    handlers = [h for h in client.retry_handlers if not isinstance(h, ConnectionErrorRetryHandler)]
    if len(handlers) == len(client.retry_handlers):
        return client
    return WebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=client.timeout,
        ssl=client.ssl,
        proxy=client.proxy,
        headers=dict(client.headers),
        retry_handlers=handlers,
        logger=client.logger,
    )
