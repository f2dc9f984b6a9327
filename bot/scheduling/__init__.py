"""Posting digests and alerts on time, once.

* runner — `DigestRunner`: claim, compose and post one platform's digests, part by part;
  the CLI (`digest`, `digest-due`) and the scheduler share it.
* alerts — topic alerts to followers, claimed before they are sent.
* liveness — who holds a claim, and whether that process is provably dead.
* jobs — the APScheduler wiring: one job per subscription, plus a sweep.

Imported module by module (`from bot.scheduling.runner import DigestRunner`): the CLI's
one-shot commands need not load APScheduler.
"""
