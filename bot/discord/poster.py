"""DiscordPoster: the core's Poster for Discord — digests, charts and alerts through the
REST API with the bot token.

`thread` is honoured with replies (message_reference to the thread's first message), not
Discord threads: a reply needs only Send Messages, works in every channel type including
DMs and announcement channels, and posting one is a single idempotent-shaped step — a
Discord thread would need Create Public Threads, fail on a message that already has one,
and add a second request that can succeed while the post after it fails. The scheduler's
claims (storage) make each digest post once; this module only has to post what it is
given and say clearly when Discord refused.
"""

from __future__ import annotations

import threading
from typing import Any

from bot.core.poster import PartKey, PostFailed
from bot.core.reply import Reply
from bot.discord.render import NO_MENTIONS, cut, escape, to_messages
from bot.discord.rest import DiscordError, DiscordRest
from bot.settings import Settings


class DiscordPoster:
    platform = "discord"

    def __init__(self, rest: DiscordRest) -> None:
        self.rest = rest
        self._dm_channels: dict[str, str] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> DiscordPoster:
        """A poster for these settings (DISCORD_BOT_TOKEN, DISCORD_API_URL)."""
        if settings.discord_bot_token is None:
            raise ValueError("DISCORD_BOT_TOKEN must be set to post to Discord")
        token = settings.discord_bot_token.get_secret_value()
        return cls(DiscordRest(settings.discord_api_url, token))

    def post(
        self, channel: str, reply: Reply, *, thread: str | None = None, key: PartKey | None = None
    ) -> list[str]:
        """With `key`, each message carries a nonce Discord enforces (enforce_nonce): a
        repeat of the same message within minutes returns the first instead of posting."""
        ids: list[str] = []
        for page, msg in enumerate(to_messages(reply)):
            if key is not None:
                msg = {**msg, "nonce": f"d{key.run}.{key.part}.{page}"[:25], "enforce_nonce": True}
            ids.append(self._send(channel, msg, thread))
        return ids

    def upload_png(self, channel: str, png: bytes, *, title: str, thread: str | None = None) -> str:
        payload: dict[str, Any] = {
            "content": cut(escape(title), 2000),
            "attachments": [{"id": 0, "filename": "chart.png", "description": cut(title, 1024)}],
            "allowed_mentions": dict(NO_MENTIONS),
        }
        if thread:
            payload["message_reference"] = _reference(channel, thread)
        files = {"files[0]": ("chart.png", png, "image/png")}
        try:
            result = self.rest.request(
                "POST", f"/channels/{channel}/messages", json_body=payload, files=files
            )
        except DiscordError as exc:
            raise PostFailed(_reason(exc)) from exc
        return _id(result)

    def direct_message(self, user: str, reply: Reply) -> list[str]:
        return self.post(self._dm_channel(user), reply)

    # ------------------------------------------------------------------ internals

    def _send(self, channel: str, msg: dict[str, Any], thread: str | None) -> str:
        if thread:
            msg = {**msg, "message_reference": _reference(channel, thread)}
        try:
            result = self.rest.request("POST", f"/channels/{channel}/messages", json_body=msg)
        except DiscordError as exc:
            raise PostFailed(_reason(exc)) from exc
        return _id(result)

    def _dm_channel(self, user: str) -> str:
        """The DM channel with a user (opened once, then remembered: Discord returns the
        same channel every time, so the cache only saves a request)."""
        with self._lock:
            known = self._dm_channels.get(user)
        if known:
            return known
        try:
            result = self.rest.request(
                "POST", "/users/@me/channels", json_body={"recipient_id": user}
            )
        except DiscordError as exc:
            raise PostFailed(_reason(exc)) from exc
        channel = _id(result)
        with self._lock:
            self._dm_channels[user] = channel
        return channel


def _reference(channel: str, message_id: str) -> dict[str, Any]:
    # fail_if_not_exists False: if the first message was deleted, post anyway
    return {"message_id": message_id, "channel_id": channel, "fail_if_not_exists": False}


def _id(result: Any) -> str:
    if not isinstance(result, dict) or not result.get("id"):
        raise PostFailed("Discord answered without a message id")
    return str(result["id"])


def _reason(exc: DiscordError) -> str:
    hints = {
        403: "the bot lacks permission there (Send Messages, Attach Files)",
        404: "no such channel or user (was the bot removed?)",
        401: "the bot token was refused",
    }
    hint = hints.get(exc.status)
    return f"Discord refused ({exc.status}): {exc.message}" + (f" — {hint}" if hint else "")
