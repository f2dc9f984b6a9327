"""Whose press an article is: its outlet (name or web address) → the state it reports from.

Read from `config/outlets.yaml` so analysts can add outlets without touching code. The
address wins over the name: "Reuters" in a byline of a dawn.com page is Dawn's copy of a
wire story, printed for Pakistani readers.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from bot.topics import normalise


@dataclass(frozen=True)
class OutletDirectory:
    names: dict[str, str]  # normalised outlet name → state
    domains: dict[str, str]  # host (no "www.") → state

    def country(self, source: str | None, url: str | None) -> str | None:
        """The state whose press this is; None when neither address nor name is known."""
        host = _host(url)
        while host:
            if host in self.domains:
                return self.domains[host]
            _, _, host = host.partition(".")
            if "." not in host:
                break
        if source:
            return self.names.get(normalise(source))
        return None


def _host(url: str | None) -> str:
    if not url:
        return ""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
    return host.removeprefix("www.")


@lru_cache(maxsize=4)
def load_outlets(path: Path) -> OutletDirectory:
    """The directory at `path`; an absent file is an empty directory (every outlet unknown)."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        data = {}
    names: dict[str, str] = {}
    domains: dict[str, str] = {}
    for state, spec in data.items():
        for name in (spec or {}).get("names", []):
            names.setdefault(normalise(str(name)), state)
        for domain in (spec or {}).get("domains", []):
            domains.setdefault(str(domain).lower().removeprefix("www."), state)
    return OutletDirectory(names, domains)
