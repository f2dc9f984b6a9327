"""Logging set-up shared by every entry point, with known secrets redacted from every record.

Settings keep tokens in SecretStr so our own reprs never show them, but a library may
still put one into a message or an exception (a URL with a password, an API error that
echoes a request). So every LogRecord is scrubbed as it is created: a record factory
rather than a handler filter, because handlers are added later (bot.bootstrap),
by pytest's caplog and by logging.lastResort, and a factory covers them all. Tracebacks
attached to a record are formatted and scrubbed here too.

Per-request credentials are scrubbed by shape, since no setting holds them: a Discord
interaction (or webhook) token is the path segment after `/webhooks/<id>/`, which httpx
logs at INFO with every request URL; a Slack response_url (hooks.slack.com, or whatever
slack_sdk's webhook client is pointed at, which it logs at DEBUG) is a credential in
itself, good for posting into the channel for half an hour.

Which handlers exist, and at what level, is bot.bootstrap.configure_logging's business.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Callable, Iterable
from typing import Any

from pydantic import SecretStr
from sqlalchemy.engine import make_url

from bot.settings import Settings, get_settings

REDACTED = "[redacted]"
MIN_SECRET_CHARS = 6  # shorter values would redact ordinary words
# Environment variables whose values are secrets even if Settings never reads them.
_SECRET_NAME_ENDINGS = ("TOKEN", "SECRET", "PASSWORD", "PRIVATE_KEY", "API_KEY")

# (pattern, replacement) for credentials that travel inside URLs and payloads.
_TOKEN_PATTERNS = (
    # Discord: /webhooks/<application or webhook id>/<token>[/messages/…], and the
    # interaction callback /interactions/<id>/<token>/callback
    (re.compile(r"(/(?:webhooks|interactions)/[^/\s?#]+/)[^/\s?#\"'<>]+"), rf"\1{REDACTED}"),
    # Slack: response_url and incoming-webhook URLs
    (re.compile(r"(https?://hooks\.slack(?:-gov)?\.com/)[^\s\"'<>,]+"), rf"\1{REDACTED}"),
    # a response_url quoted in a payload, JSON or form-encoded
    (re.compile(r"(response_url[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,}]+"), rf"\1{REDACTED}"),
)
# Loggers whose every URL is a credential (slack_sdk's webhook client only ever sends to
# a response_url or an incoming webhook): keep the host, drop the path.
_URL_CREDENTIAL_LOGGERS = ("slack_sdk.webhook",)
_URL_PATH = re.compile(r"(https?://[^/\s\"'<>]+)/[^\s,\"'<>]*")

_secrets: set[str] = set()
_lock = threading.Lock()
_previous_factory: Callable[..., logging.LogRecord] | None = None


def secrets_of(settings: Settings) -> list[str]:
    """Every secret value the settings hold: SecretStr fields and a database password."""
    values = [
        getattr(settings, name).get_secret_value()
        for name in type(settings).model_fields
        if isinstance(getattr(settings, name), SecretStr)
    ]
    try:
        password = make_url(settings.database_url).password
    except Exception:  # an unparsable URL holds no password we could find
        password = None
    if password:
        values.append(str(password))
    return values


def secrets_in_environment(environ: dict[str, str] | None = None) -> list[str]:
    env = os.environ if environ is None else environ
    return [v for k, v in env.items() if k.upper().endswith(_SECRET_NAME_ENDINGS)]


def redact(text: str) -> str:
    with _lock:
        known = sorted(_secrets, key=len, reverse=True)  # longest first: no partial leftovers
    for secret in known:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def _contains_secret(text: str) -> bool:
    with _lock:
        return any(s in text for s in _secrets)


def redact_tokens(text: str, logger: str = "") -> str:
    """`text` with per-request credentials (interaction tokens, response URLs) replaced."""
    if logger.startswith(_URL_CREDENTIAL_LOGGERS):
        text = _URL_PATH.sub(rf"\1/{REDACTED}", text)
    for pattern, replacement in _TOKEN_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _clean(text: str, logger: str) -> str:
    text = redact_tokens(text, logger)
    return redact(text) if _contains_secret(text) else text


def _scrub(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a malformed format string: leave it to the handler to report
        return
    cleaned = _clean(message, record.name)
    if cleaned != message:
        record.msg, record.args = cleaned, None
    if record.exc_info and record.exc_info[0] is not None:
        text = logging.Formatter().formatException(record.exc_info)
        cleaned = _clean(text, record.name)
        if cleaned != text:
            record.exc_text = cleaned  # the Formatter uses this instead of re-formatting
    if record.stack_info:
        record.stack_info = _clean(record.stack_info, record.name)


def install(settings: Settings | None = None, *, extra: Iterable[str] = ()) -> None:
    """Redact these settings' secrets (and the environment's, and `extra`) from all logs."""
    global _previous_factory
    if settings is None:
        try:
            settings = get_settings()
        except Exception:  # bad settings fail loudly in the command itself
            settings = None
    found = [*secrets_in_environment(), *extra, *(secrets_of(settings) if settings else [])]
    with _lock:
        _secrets.update(s for s in found if s and len(s) >= MIN_SECRET_CHARS)
        if _previous_factory is None:
            previous = logging.getLogRecordFactory()

            def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
                record = previous(*args, **kwargs)
                _scrub(record)
                return record

            _previous_factory = previous
            logging.setLogRecordFactory(factory)


def uninstall() -> None:
    """Restore the previous record factory and forget the secrets (tests)."""
    global _previous_factory
    with _lock:
        if _previous_factory is not None:
            logging.setLogRecordFactory(_previous_factory)
            _previous_factory = None
        _secrets.clear()
