"""The schedulers running in this process, as the chat handlers reach them.

A handler that changes a subscription announces it, and `/digest now` or `/digest chart`
asks for a post, without importing the scheduler: each running scheduler registers its
hooks here under the platform it posts to. One registry per `Services` (so per
composition root, bot/bootstrap.py): two bots in one process — tests, or Slack and
Discord served side by side — never reach each other's scheduler.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class SchedulerHooks:
    changed: Callable[[], object]
    run_now: Callable[[int], object]
    chart: Callable[[str], object]  # channel


class Schedulers:
    """platform -> the hooks of the scheduler posting to it in this process."""

    def __init__(self) -> None:
        self._hooks: dict[str, SchedulerHooks] = {}
        self._lock = threading.Lock()

    def register(self, platform: str, hooks: SchedulerHooks) -> None:
        with self._lock:
            self._hooks[platform] = hooks

    def unregister(self, platform: str, hooks: SchedulerHooks | None = None) -> None:
        """Forget a platform's scheduler (only `hooks`, when given: a scheduler stopping
        late must not remove the one that replaced it)."""
        with self._lock:
            if hooks is None or self._hooks.get(platform) is hooks:
                self._hooks.pop(platform, None)

    def _get(self, platform: str) -> SchedulerHooks | None:
        with self._lock:
            return self._hooks.get(platform)

    def subscriptions_changed(self) -> bool:
        """Tell this process's schedulers to re-derive their jobs now (each keeps only
        its own platform's). Schedulers in other processes pick the change up on their
        next sweep."""
        with self._lock:
            hooks = list(self._hooks.values())
        for hook in hooks:
            hook.changed()
        return bool(hooks)

    def request_run_now(self, platform: str, subscription_id: int) -> bool:
        """Ask this process's scheduler for `platform` to post a digest now; False when
        none runs here."""
        hook = self._get(platform)
        if hook is None:
            return False
        hook.run_now(subscription_id)
        return True

    def request_chart(self, platform: str, channel: str) -> bool:
        hook = self._get(platform)
        if hook is None:
            return False
        hook.chart(channel)
        return True
