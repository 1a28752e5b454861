"""Where graph figures are computed: in this process for small graphs, in two worker
processes for large ones.

igraph holds the GIL through a computation and is not thread-safe, so a thread would
stall the event loop (and every other request) for as long as betweenness runs. Worker
processes keep the server responsive and use both cores: betweenness is split between
them by source, the other parts run beside it."""

import asyncio
import logging
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from app.services.views.graph_parts import GraphInput, plan, run_parts
from app.services.views.graphs import GraphFigures, analyse, combine

log = logging.getLogger("cop_api")

# Below this many links a graph is computed in place: a few milliseconds, less than the
# round trip to a worker.
OFFLOAD_ABOVE = 3000
WORKERS = max(1, min(2, os.cpu_count() or 1))

_pool: ProcessPoolExecutor | None = None
_lock = threading.Lock()


def _executor() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(
                max_workers=WORKERS, mp_context=multiprocessing.get_context("spawn")
            )
        return _pool


def _reset() -> None:
    global _pool
    with _lock:
        if _pool is not None:
            _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None


def _ready() -> bool:
    return True


async def warm_up() -> None:
    """Start the workers now rather than on the first large view (about a second)."""
    loop = asyncio.get_running_loop()
    pool = _executor()
    await asyncio.gather(*(loop.run_in_executor(pool, _ready) for _ in range(WORKERS)))


def shutdown() -> None:
    """Stop the workers (they also stop when the process exits)."""
    _reset()


async def figures(data: GraphInput, *, offload_above: int = OFFLOAD_ABOVE) -> GraphFigures:
    if len(data.edges) <= offload_above:
        return analyse(data)
    loop = asyncio.get_running_loop()
    try:
        pool = _executor()
        parts = plan(data, WORKERS)
        results = await asyncio.gather(
            *(loop.run_in_executor(pool, run_parts, data, share) for share in parts)
        )
    except BrokenProcessPool:
        log.warning("graph workers stopped; computing in the server process this time")
        _reset()
        return analyse(data)
    return combine(data, [r for result in results for r in result])
