"""Depth-first DAG traversal shared by the CAR writer and the verifier, and which links it follows.

Iterative, so DAG depth is not bounded by Python's recursion limit. Memory holds the visited set and, for
each block on the current path, its list of links: never block data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Final

from filnet.errors import CycleError
from filnet.ipld import codecs
from filnet.ipld.cid import CID
from filnet.ipld.links import block_links

#: Codecs of CIDs that name data, not blocks: Filecoin's piece and sector commitments (CommD, CommR) sit in
#: miner and market state as links, but no store holds a block for them. Lotus's state copier skips them
#: (``copyRec`` in chain/vm/vm.go), and so do we.
NOT_BLOCKS: Final = frozenset({codecs.FIL_COMMITMENT_UNSEALED, codecs.FIL_COMMITMENT_SEALED})

#: Called once per block, at its first visit, with the block and the block it was reached from (``None``
#: for a root); returns the block's links in order.
Visit = Callable[[CID, CID | None], Sequence[CID]]


def depth_first(roots: Sequence[CID], visit: Visit) -> None:
    """Visit every block reachable from ``roots`` once, in depth-first pre-order.

    Roots are walked in order; a block reached again (from another parent or root) is skipped. A link back
    to a block on the current path is a cycle, impossible with real hashes but fakeable by a hostile store:
    it raises :class:`CycleError`.
    """
    visited: set[CID] = set()
    for root in roots:
        if root in visited:
            continue
        # Frames of the current path: each block and an iterator over its links not yet followed.
        path: list[tuple[CID, Iterator[CID]]] = []
        on_path: set[CID] = set()
        child: CID | None = root
        while True:
            if child is not None:
                parent = path[-1][0] if path else None
                visited.add(child)
                links = visit(child, parent)
                path.append((child, iter(links)))
                on_path.add(child)
            current, pending = path[-1]
            child = _next_unvisited(current, pending, visited, on_path)
            if child is None:
                path.pop()
                on_path.discard(current)
                if not path:
                    break


def _next_unvisited(current: CID, pending: Iterator[CID], visited: set[CID], on_path: set[CID]) -> CID | None:
    """The next link of ``current`` not yet visited, or ``None``; a link to the path raises CycleError."""
    for link in pending:
        if link in on_path:
            raise CycleError(f"block {current} links back to {link}, which is its own ancestor: a cycle")
        if link not in visited:
            return link
    return None


def read_links(cid: CID, data: bytes) -> list[CID]:
    """The links a DAG walk follows out of a block: all of them but those naming commitments."""
    return [link for link in block_links(cid, data) if link.codec not in NOT_BLOCKS]
