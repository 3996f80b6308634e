"""Work on several series at once, one process per core.

The workers are forked from a forkserver that has imported the model and the charts once, so each
starts in milliseconds rather than the second a fresh Python takes to import pandas, scipy and
matplotlib; the forkserver itself is a fresh process, so nothing a parent's threads hold is
copied into a worker. Starting it costs about a second, so small work (the few series of a young
tracker) runs in this process instead.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

log = logging.getLogger("pollwatch.publish")

Job = TypeVar("Job")
Done = TypeVar("Done")

# Below this many polls to fit or draw, a pool costs more than it saves.
WORTH_A_POOL = 20_000
PRELOAD = ["pollwatch.model.series", "pollwatch.publish.charts", "pollwatch.publish.realtime"]


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def run_all(work: Callable[[Job], Done], jobs: Iterable[Job], polls: int) -> list[Done]:
    """`work` over every job, in order; on every core when there are `polls` enough to pay."""
    jobs = list(jobs)
    workers = min(cores(), len(jobs))
    if workers < 2 or polls < WORTH_A_POOL:
        return [work(job) for job in jobs]
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            return list(pool.map(work, jobs))
    except BrokenProcessPool as err:  # a worker could not start here (an unimportable __main__)
        log.warning("working on one core: the process pool broke (%s)", err)
        return [work(job) for job in jobs]
