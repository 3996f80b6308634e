"""A process for one flow run, started before the run exists, by `pollwatch serve`'s runner.

It does what `python -m prefect.engine` does for a deployment's run (load the run, load its
flow, run it under Prefect's engine), but it imports Prefect, the flows and what they use while
it waits for its run, so a run that comes due starts in a fraction of a second instead of the
5-9 s those imports take here. It reads the flow run's id as one line on stdin; an empty stdin
means the runner stopped before it needed this process. Until it has a run, Ctrl-C is the
runner's business: the runner closes stdin to stop it.
"""

from __future__ import annotations

import signal
import sys
from uuid import UUID

signal.signal(signal.SIGINT, signal.SIG_IGN)

import flows.pipeline  # noqa: E402, F401  (every served flow, the library, pollwatch's defaults)
from flows import without_heartbeats  # noqa: E402

# isort: split
from prefect.engine import handle_engine_signals  # noqa: E402
from prefect.flow_engine import flow_run_logger, load_flow, load_flow_run, run_flow  # noqa: E402


def main() -> int:
    line = sys.stdin.readline().strip()
    if not line:
        return 0
    signal.signal(signal.SIGINT, signal.default_int_handler)
    flow_run_id = UUID(line)
    with without_heartbeats(), handle_engine_signals(flow_run_id):
        flow_run = load_flow_run(flow_run_id=flow_run_id)
        flow = load_flow(flow_run)
        run_flow(flow, flow_run=flow_run, error_logger=flow_run_logger(flow_run=flow_run))
    return 0


if __name__ == "__main__":
    sys.exit(main())
