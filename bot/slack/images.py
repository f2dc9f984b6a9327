"""A command reply's pictures (the /timeline chart) on Slack, through the digest chart's
upload path (`SlackPoster.upload_png`: files_upload_v2, paced, retried).

A file cannot be ephemeral, so a chart follows its reply's visibility: an answer only the
asker sees sends its chart to the asker's direct message with the bot (or into the DM the
command was typed in); a shared answer, or one posted in a thread, puts it in that
channel. A chart that cannot be delivered is logged and dropped — the answer itself has
already gone, and its text stands without the picture.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.poster import PostFailed
from bot.core.reply import Reply
from bot.slack.poster import SlackPoster

log = logging.getLogger(__name__)


def send_images(
    client: WebClient,
    reply: Reply,
    *,
    channel: str | None,
    user: str | None,
    private: bool,
    thread: str | None = None,
) -> list[str]:
    """Upload each image of the reply; the file ids uploaded."""
    if not reply.images:
        return []
    poster = SlackPoster(client)
    target = channel
    if private and not (channel or "").startswith("D"):
        target = _direct_channel(client, user)
    if not target:
        log.warning("slack: nowhere private to send a chart (user %s); dropped", user)
        return []
    ids: list[str] = []
    for image in reply.images:
        try:
            ids.append(
                poster.upload_png(
                    target, image.png, title=image.title, thread=thread, filename=image.filename
                )
            )
        except PostFailed as exc:
            log.warning("slack: chart %r not delivered: %s", image.title, exc)
    return ids


def _direct_channel(client: WebClient, user: str | None) -> str | None:
    if not user:
        return None
    try:
        resp = client.conversations_open(users=user)
    except SlackApiError as exc:
        log.warning("slack: conversations.open for %s refused: %s", user, exc)
        return None
    channel = (resp.get("channel") or {}).get("id")
    return str(channel) if channel else None
