"""Ed25519 request verification: the only thing that makes an interaction Discord's.

Discord signs `timestamp + body` with the application's key and sends the signature and
timestamp as headers. Discord itself does not ask for a freshness check, but a signed body
captured once could otherwise be replayed forever, so timestamps older (or newer) than
five minutes are refused as Slack's are.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

MAX_AGE_SECONDS = 300.0
SIGNATURE_HEADER = "X-Signature-Ed25519"
TIMESTAMP_HEADER = "X-Signature-Timestamp"
# Unix seconds in ASCII digits (a fraction allowed). float() alone would also take "nan",
# which passes any freshness comparison, "inf", and digits of other scripts.
_TIMESTAMP = re.compile(r"\d{1,12}(?:\.\d{1,9})?", re.ASCII)
_KEY_HEX_DIGITS = 64


class Verifier:
    def __init__(
        self,
        public_key_hex: str,
        *,
        max_age: float = MAX_AGE_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        # A malformed key is a configuration error: fail at start-up, not on every request.
        key = public_key_hex.strip()
        try:
            raw = bytes.fromhex(key)
        except ValueError:
            raw = b""
        if len(raw) * 2 != _KEY_HEX_DIGITS:
            raise ValueError(
                "DISCORD_PUBLIC_KEY must be the 64-hex-digit public key from the developer "
                f"portal, not {len(key)} characters"
            )
        self._key = VerifyKey(raw)
        self._max_age = max_age
        self._clock = clock

    def verify(self, signature_hex: str | None, timestamp: str | None, body: bytes) -> bool:
        """True only for a well-formed, correct signature over a fresh timestamp."""
        if not signature_hex or not timestamp or not _TIMESTAMP.fullmatch(timestamp):
            return False
        try:
            sent_at = float(timestamp)
            signature = bytes.fromhex(signature_hex)
        except ValueError:
            return False
        if abs(self._clock() - sent_at) > self._max_age or len(signature) != 64:
            return False
        try:
            self._key.verify(timestamp.encode("utf-8") + body, signature)
        except BadSignatureError:
            return False
        return True
