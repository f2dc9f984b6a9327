"""A small client for Discord's REST API: authentication, rate limits, transient failures.

Rate limits are honoured both ways Discord asks: before a request, a route whose last
answer said `X-RateLimit-Remaining: 0` waits out its `X-RateLimit-Reset-After`; after a
429, the request waits `retry_after` (JSON body, else the Retry-After header) and is sent
again — globally when Discord says the limit is global. Those waits do not count as
failures. Gateway errors (502/503/504) and connections that never opened are retried with
exponential backoff (tenacity); a 500 or a read timeout is not, because the message may
already have been posted and posting it twice is worse than reporting a failure.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

log = logging.getLogger(__name__)

USER_AGENT = "DiscordBot (https://github.com/briefing-bot, 1.0)"
_MAJOR_PARAMS = frozenset({"channels", "guilds", "webhooks"})
_TRANSIENT_STATUS = frozenset({502, 503, 504})


class DiscordError(RuntimeError):
    """Discord refused a request (4xx), or kept failing after the retries."""

    def __init__(self, status: int, message: str, *, code: int | None = None) -> None:
        super().__init__(f"Discord answered {status}: {message}")
        self.status = status
        self.code = code
        self.message = message


class _Transient(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def route_key(method: str, path: str) -> str:
    """The rate-limit bucket a request falls in: the route with its major parameter
    (channel, guild, webhook) kept and every other id generalised."""
    parts = path.split("?", 1)[0].strip("/").split("/")
    out: list[str] = []
    previous = ""
    for part in parts:
        out.append(":id" if part.isdigit() and previous not in _MAJOR_PARAMS else part)
        previous = part
    return f"{method.upper()} /{'/'.join(out)}"


class DiscordRest:
    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        timeout: float = 15.0,
        attempts: int = 4,
        backoff: float = 0.5,
        max_rate_limit_retries: int = 5,
        max_wait: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        headers = {"User-Agent": USER_AGENT}
        self._auth = {"Authorization": f"Bot {token}"} if token else {}
        self._client = httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout)
        self._attempts = attempts
        self._backoff = backoff
        self._max_rate_limit_retries = max_rate_limit_retries
        self._max_wait = max_wait
        self._sleep = sleep
        self._lock = threading.Lock()
        self._blocked_until: dict[str, float] = {}
        self._global_until = 0.0

    def close(self) -> None:
        self._client.close()

    # ------------------------------------------------------------------ requests

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
        auth: bool = True,
        params: dict[str, str] | None = None,
    ) -> Any:
        """Send one request; its JSON answer (None for 204). Raises DiscordError."""
        retrying = Retrying(
            retry=retry_if_exception_type(_Transient),
            stop=stop_after_attempt(self._attempts),
            wait=wait_exponential(multiplier=self._backoff, max=8),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    response = self._send(method, path, json_body, files, auth, params)
        except _Transient as exc:
            raise DiscordError(exc.status, f"still failing after {self._attempts} tries") from exc
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            return None

    def _send(
        self,
        method: str,
        path: str,
        json_body: Any,
        files: dict[str, tuple[str, bytes, str]] | None,
        auth: bool,
        params: dict[str, str] | None,
    ) -> httpx.Response:
        key = route_key(method, path)
        headers = dict(self._auth) if auth else {}
        for _ in range(self._max_rate_limit_retries + 1):
            self._wait_for(key)
            try:
                if files:
                    # multipart: the JSON travels as payload_json beside files[n]
                    response = self._client.request(
                        method,
                        path,
                        data={"payload_json": json.dumps(json_body)},
                        files=files,
                        headers=headers,
                        params=params,
                    )
                else:
                    response = self._client.request(
                        method, path, json=json_body, headers=headers, params=params
                    )
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                log.warning("discord: %s %s: %s", method, key, exc)
                raise _Transient(0, str(exc)) from exc
            except httpx.HTTPError as exc:
                raise DiscordError(0, f"{type(exc).__name__}: {exc}") from exc
            self._note_limits(key, response)
            if response.status_code == 429:
                self._rate_limited(key, response)
                continue
            if response.status_code in _TRANSIENT_STATUS:
                log.warning("discord: %s %s answered %s", method, key, response.status_code)
                raise _Transient(response.status_code, response.text[:200])
            if response.status_code >= 400:
                raise _error(response)
            return response
        raise DiscordError(429, f"still rate limited after {self._max_rate_limit_retries} waits")

    # ------------------------------------------------------------------ rate limits

    def _wait_for(self, key: str) -> None:
        with self._lock:
            until = max(self._blocked_until.get(key, 0.0), self._global_until)
        delay = until - time.monotonic()
        if delay > 0:
            log.info("discord: waiting %.2fs for the %s rate limit", delay, key)
            self._sleep(min(delay, self._max_wait))

    def _note_limits(self, key: str, response: httpx.Response) -> None:
        remaining = response.headers.get("X-RateLimit-Remaining")
        reset_after = response.headers.get("X-RateLimit-Reset-After")
        if remaining is None or reset_after is None:
            return
        try:
            exhausted, delay = int(float(remaining)) <= 0, float(reset_after)
        except ValueError:
            return
        with self._lock:
            if exhausted:
                self._blocked_until[key] = time.monotonic() + min(delay, self._max_wait)
            else:
                self._blocked_until.pop(key, None)

    def _rate_limited(self, key: str, response: httpx.Response) -> None:
        retry_after: float | None = None
        is_global = response.headers.get("X-RateLimit-Global", "").lower() == "true"
        try:
            body = response.json()
            retry_after = float(body["retry_after"])
            is_global = is_global or bool(body.get("global"))
        except (ValueError, KeyError, TypeError):
            pass
        if retry_after is None:
            try:
                retry_after = float(response.headers.get("Retry-After", "1"))
            except ValueError:
                retry_after = 1.0
        until = time.monotonic() + min(max(retry_after, 0.0), self._max_wait)
        log.info("discord: 429 on %s, retrying after %.2fs", key, retry_after)
        with self._lock:
            if is_global:
                self._global_until = max(self._global_until, until)
            else:
                self._blocked_until[key] = max(self._blocked_until.get(key, 0.0), until)


def _error(response: httpx.Response) -> DiscordError:
    code = None
    message = response.text[:300]
    try:
        body = response.json()
        code = body.get("code")
        message = str(body.get("message") or message)
    except (ValueError, AttributeError):
        pass
    return DiscordError(response.status_code, message, code=code)
