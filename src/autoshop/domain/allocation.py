"""Bay allocation for a booking: which capable bays to try, best fit first (DESIGN.md section 5).

Best fit keeps long free gaps for long jobs: the bay whose free gap around the requested block is
tightest comes first, and among equals the bay with the fewest capabilities, so specialist bays
(an alignment rack, say) stay free for the jobs that need them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from autoshop.domain.availability import BayInfo, Busy

__all__ = ["rank_bays"]


def rank_bays(
    *,
    bays: Sequence[BayInfo],
    busy: Sequence[Busy],
    starts_at: datetime,
    block_ends_at: datetime,
    capabilities: frozenset[str],
) -> list[int]:
    """Ids of the capable bays free over [starts_at, block_ends_at), best fit first.

    The fit of a bay is its free gap around the block: from the end of its previous busy block to
    the start of its next one. Bays bounded on both sides rank by gap length; a bay bounded on one
    side only comes after them, ranked by the distance to that neighbour (a job that sits right
    against another one packs the day best); a bay with nothing around the block comes last. Ties
    go to the bay with fewer capabilities, then the lower id. Busy blocks on bays not in `bays`
    are ignored; overlap is half-open, so a block ending exactly at `starts_at` is not a conflict.
    """
    if starts_at.tzinfo is None or block_ends_at.tzinfo is None:
        raise ValueError("starts_at and block_ends_at must be timezone-aware")
    if block_ends_at <= starts_at:
        raise ValueError("block_ends_at must be after starts_at")
    capable = {bay.id: bay for bay in bays if capabilities <= bay.capabilities}
    previous_end: dict[int, datetime] = {}
    next_start: dict[int, datetime] = {}
    taken: set[int] = set()
    for block in busy:
        bay_id = block.bay_id
        if bay_id not in capable or bay_id in taken:
            continue
        if block.starts_at.tzinfo is None or block.ends_at.tzinfo is None:
            raise ValueError("busy datetimes must be timezone-aware")
        if block.ends_at <= block.starts_at:
            continue  # an empty block blocks nothing
        if block.starts_at < block_ends_at and starts_at < block.ends_at:
            taken.add(bay_id)
        elif block.ends_at <= starts_at:
            if bay_id not in previous_end or block.ends_at > previous_end[bay_id]:
                previous_end[bay_id] = block.ends_at
        elif bay_id not in next_start or block.starts_at < next_start[bay_id]:
            next_start[bay_id] = block.starts_at

    def fit(bay: BayInfo) -> tuple[int, timedelta, int, int]:
        before = previous_end.get(bay.id)
        after = next_start.get(bay.id)
        if before is not None and after is not None:
            unbounded, gap = 0, after - before
        elif before is not None:
            unbounded, gap = 1, starts_at - before
        elif after is not None:
            unbounded, gap = 1, after - block_ends_at
        else:
            unbounded, gap = 2, timedelta(0)
        return unbounded, gap, len(bay.capabilities), bay.id

    free = [bay for bay_id, bay in capable.items() if bay_id not in taken]
    return [bay.id for bay in sorted(free, key=fit)]
