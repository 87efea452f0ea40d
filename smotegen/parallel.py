"""Generate chunks of the output in worker threads and hand them back in row order.

Threads rather than processes: numpy's gathers and arithmetic and pyarrow's
array building release the GIL for most of their work, so threads share the
fitted model without copying it and return chunks without serialising them.
The calling thread meanwhile writes earlier chunks, and pyarrow releases the
GIL while it encodes and compresses them.

Each chunk depends only on its row range and the seed, and chunks come back in
order, so the output is the same for any number of threads. At most ``jobs``
chunks are in flight besides the one the caller holds, so memory does not
grow with the number of rows.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import pyarrow as pa

from smotegen.parts import Part

if TYPE_CHECKING:
    from smotegen.model import SmoteModel

Item = TypeVar("Item")
Result = TypeVar("Result")
Encoded = TypeVar("Encoded")


@dataclass(frozen=True)
class Chunk:
    """Output rows ``start`` to ``stop - 1``, generated and written as one table, and their part file."""

    start: int
    stop: int
    part: Part | None = None


def plan_chunks(start: int, stop: int, chunk_rows: int, part: Part | None = None) -> list[Chunk]:
    """Split rows ``start`` to ``stop - 1`` into consecutive chunks of at most ``chunk_rows`` rows."""
    return [Chunk(first, min(first + chunk_rows, stop), part) for first in range(start, stop, chunk_rows)]


def generate_in_order(
    model: SmoteModel, chunks: list[Chunk], seed: int, jobs: int, encode: Callable[[pa.Table], Encoded] | None = None
) -> Iterator[tuple[Chunk, pa.Table, Encoded | None]]:
    """Yield each chunk with its synthetic rows, in order, generating up to ``jobs`` chunks at a time.

    With ``encode``, the worker threads also encode each chunk's table for the
    writer (CSV formatting, say), and the result comes third; else it is None.
    """

    def generate(chunk: Chunk) -> tuple[Chunk, pa.Table, Encoded | None]:
        table = model.generate(chunk.start, chunk.stop, seed)
        return chunk, table, encode(table) if encode is not None else None

    return ordered_map(generate, chunks, jobs)


def ordered_map(function: Callable[[Item], Result], items: Iterable[Item], jobs: int) -> Iterator[Result]:
    """Yield ``function(item)`` for each item in order, computing up to ``jobs`` items ahead in threads.

    An exception raised by ``function`` is raised here, at that item's turn.
    When the caller stops early (an error, Ctrl-C, ``close()``), queued items
    are cancelled and the ones already running are awaited before returning.
    """
    pending: deque[Future[Result]] = deque()
    remaining = iter(items)
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="smotegen-chunk") as executor:
        try:
            for item in remaining:
                pending.append(executor.submit(function, item))
                if len(pending) >= jobs:
                    break
            while pending:
                result = pending.popleft().result()
                for item in remaining:
                    pending.append(executor.submit(function, item))
                    break
                yield result
        finally:
            for future in pending:
                future.cancel()
