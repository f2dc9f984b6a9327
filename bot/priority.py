"""Lowering a process's CPU priority: for work nobody waits on line by line.

Bulk indexing from the command line (BATCH_NICE) and answer workers (ANSWER_NICE) run
beside a serving process that must acknowledge every request within 3 s. Measured with
bench/load.py on two cores, a bulk ingest at normal priority was the largest competitor
of the acknowledgements; niced, the kernel serves them first and the batch the rest.
"""

from __future__ import annotations

import logging
import os

log = logging.getLogger(__name__)


def lower_priority(nice: int) -> None:
    """Lower this process's priority by `nice`; where the platform has no `os.nice` or
    refuses, the process goes on at its priority."""
    if nice <= 0 or not hasattr(os, "nice"):
        return
    try:
        os.nice(nice)
    except OSError:
        log.warning("could not lower the CPU priority by %s; running at normal priority", nice)
