"""A bad DISCORD_PUBLIC_KEY stops start-up with a sentence; the verifier takes only real
timestamps.

The key is checked where settings are read, so `python -m bot serve-discord` with a key
of the wrong length says so in one line instead of crashing later in PyNaCl. Timestamps
are signed correctly here, so only the timestamp check stands between them and
acceptance: `nan` used to pass the freshness check (every comparison with NaN is false).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from nacl.signing import SigningKey
from pydantic import ValidationError

from bot.discord.verify import Verifier
from bot.settings import ROOT, Settings, describe_invalid

GOOD_KEY = SigningKey.generate().verify_key.encode().hex()
NOW = 1_700_000_000.0


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("abcd", "not 4 hex digits"),
        (GOOD_KEY[:-2], "not 62 hex digits"),
        (GOOD_KEY + "00", "not 66 hex digits"),
        (GOOD_KEY[:-1], "not 63 hex digits"),
        ("zz" * 32, "not 64 characters"),
        (GOOD_KEY[:-1] + "g", "not 64 characters"),
        ("base64+key/not=hex", "not 18 characters"),
    ],
    ids=["short", "one-byte-short", "one-byte-long", "odd", "not-hex", "one-bad-digit", "base64"],
)
def test_a_malformed_key_fails_the_settings_check_in_one_line(key: str, why: str) -> None:
    with pytest.raises(ValidationError) as info:
        Settings(_env_file=None, discord_public_key=key)  # type: ignore[call-arg]
    message = describe_invalid(info.value)
    assert message == (
        "invalid settings: DISCORD_PUBLIC_KEY must be the 64-hex-digit public key from the "
        f"developer portal (General Information), {why}"
    )
    assert key not in message or len(key) < 6  # the value itself is not echoed


@pytest.mark.parametrize(
    ("key", "stored"),
    [(GOOD_KEY, GOOD_KEY), (f"  {GOOD_KEY.upper()}\n", GOOD_KEY.upper()), ("", None), (None, None)],
    ids=["plain", "padded-upper", "empty", "unset"],
)
def test_a_well_formed_key_is_kept(key: str | None, stored: str | None) -> None:
    settings = Settings(_env_file=None, discord_public_key=key)  # type: ignore[call-arg]
    assert settings.discord_public_key == stored


def test_the_verifier_names_the_setting_when_the_key_is_wrong() -> None:
    with pytest.raises(ValueError, match="DISCORD_PUBLIC_KEY must be the 64-hex-digit"):
        Verifier(GOOD_KEY[:-2])


@pytest.mark.slow
def test_serve_discord_with_a_short_key_says_so_without_a_traceback(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'k.db'}",
        DISCORD_APPLICATION_ID="100000000000000001",
        DISCORD_PUBLIC_KEY=GOOD_KEY[:40],
        DISCORD_PORT="0",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "serve-discord"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.stderr.strip() == (
        "error: invalid settings: DISCORD_PUBLIC_KEY must be the 64-hex-digit public key "
        "from the developer portal (General Information), not 40 hex digits"
    )


@pytest.fixture(scope="module")
def signer() -> SigningKey:
    return SigningKey.generate()


def signed(signer: SigningKey, timestamp: str, body: bytes) -> str:
    return signer.sign(timestamp.encode() + body).signature.hex()


@pytest.mark.parametrize(
    ("timestamp", "accepted"),
    [
        ("1700000000", True),
        ("1700000000.25", True),
        ("nan", False),
        ("NaN", False),
        ("inf", False),
        ("-inf", False),
        ("Infinity", False),
        ("1e400", False),
        ("abc", False),
        ("1_700_000_000", False),  # float() accepts underscores
        (" 1700000000", False),  # and surrounding white space
        ("1700000000\n", False),
        ("+1700000000", False),
        ("\u0661\u0667\u0660\u0660\u0660\u0660\u0660\u0660\u0660\u0660", False),  # Arabic-Indic
        ("0x6553f100", False),
    ],
)
def test_only_finite_decimal_timestamps_are_accepted(
    signer: SigningKey, timestamp: str, accepted: bool
) -> None:
    verifier = Verifier(signer.verify_key.encode().hex(), clock=lambda: NOW)
    body = b'{"type":1}'
    assert verifier.verify(signed(signer, timestamp, body), timestamp, body) is accepted
