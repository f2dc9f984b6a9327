"""Cutting text to a platform's size limits without cutting words or escapes in half.

Every platform counts differently (Slack: characters after `&<>` escaping; Discord:
UTF-16 units after markdown escaping), so the cost of a piece is passed in; the cutting
rules — at whitespace where possible, by characters only for a single over-long word —
are the same everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable

Cost = Callable[[str], int]


def split_to_fit(text: str, limit: int, cost: Cost) -> list[str]:
    """Plain text in pieces whose cost each fits `limit`: at spaces where possible."""
    out: list[str] = []
    current, used = "", 0
    for word in re.split(r"(?<=\s)", text):
        word_cost = cost(word)
        if word_cost > limit:  # a monster word: cut it by characters
            for ch in word:
                c = cost(ch)
                if used + c > limit:
                    out.append(current)
                    current, used = "", 0
                current += ch
                used += c
            continue
        if used + word_cost > limit:
            out.append(current)
            current, used = "", 0
        current += word
        used += word_cost
    if current or not out:
        out.append(current)
    return out


def join_to_fit(parts: list[str], limit: int, cost: Cost) -> list[str]:
    """Already-rendered parts joined, in order, into texts whose cost each fits `limit`."""
    chunks: list[str] = []
    current = ""
    for part in parts:
        if current and cost(current) + cost(part) > limit:
            chunks.append(current)
            current = ""
        current += part
    if current:
        chunks.append(current)
    return chunks
