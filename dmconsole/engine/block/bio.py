"""Block I/O requests, as the kernel's struct bio: op, flags, sectors, data, device, completion."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

SECTOR_SIZE = 512
SECTOR_SHIFT = 9


class Op(enum.Enum):
    READ = "read"
    WRITE = "write"
    FLUSH = "flush"  # an empty REQ_PREFLUSH write
    DISCARD = "discard"
    WRITE_ZEROES = "write_zeroes"

    @property
    def is_write(self) -> bool:
        """op_is_write(): everything but a read changes the device."""
        return self is not Op.READ


class Flag:
    """The REQ_* flags of ``bi_opf``, with the bit numbers of Linux 6.1 (include/linux/blk_types.h).

    Plain ints, so that flag arithmetic on the I/O path costs what an int operation costs.
    """

    NONE = 0
    SYNC = 1 << 11
    META = 1 << 12
    IDLE = 1 << 15  # REQ_IDLE: nothing more is coming soon (direct writes)
    FUA = 1 << 17
    PREFLUSH = 1 << 18
    RAHEAD = 1 << 19


# REQ_OP_* numbers of 6.1, the low bits of bi_opf (an empty flush is a REQ_OP_WRITE with REQ_PREFLUSH).
REQ_OP = {Op.READ: 0, Op.WRITE: 1, Op.FLUSH: 1, Op.DISCARD: 3, Op.WRITE_ZEROES: 9}

# The status a dm clone completes with when its target asks for the I/O to be pushed back (BLK_STS_DM_REQUEUE).
STATUS_REQUEUE = -(1 << 30)


class Bio:
    """One request. ``data`` is a writable view over the submitter's buffer.

    ``bdev`` is the device it goes to; ``submit_bio()`` sends it there. Completion goes
    through ``endio()``: the ``end_io`` callback runs exactly once, with ``status`` 0 or a
    negative errno. A callback may return another bio to complete next (the parent of a
    clone or of a chain), so that completion climbs a stack of any depth without recursion,
    as bio_endio() does for chained bios.
    """

    __slots__ = ("op", "sector", "nr_sectors", "data", "flags", "status", "end_io", "done", "private", "bdev",
                 "parent", "depth", "dm_io", "target", "target_bio_nr")

    def __init__(
        self,
        op: Op,
        sector: int,
        nr_sectors: int,
        data: memoryview | None = None,
        flags: int = Flag.NONE,
        end_io: Callable[[Bio], Bio | None] | None = None,
        bdev: Any = None,
    ):
        self.op = op
        self.sector = sector
        self.nr_sectors = nr_sectors
        self.data = data
        self.flags = flags
        self.status = 0
        self.end_io = end_io
        self.done = False
        self.private: Any = None  # the owner's per-bio data (dm_per_bio_data for a target)
        self.bdev = bdev
        self.parent: Bio | None = None  # the bio this one is a clone of
        self.depth = 0  # how many dm layers above made clones of clones
        self.dm_io: Any = None  # dm core's accounting of the original bio (struct dm_io)
        self.target: Any = None  # the target a dm clone was mapped by
        self.target_bio_nr = 0  # which of a target's flush or discard clones this is

    @property
    def end_sector(self) -> int:
        return self.sector + self.nr_sectors

    @property
    def size(self) -> int:
        return self.nr_sectors << SECTOR_SHIFT

    @property
    def is_write(self) -> bool:
        return self.op.is_write

    @property
    def has_data(self) -> bool:
        return self.nr_sectors > 0 and (self.op is Op.READ or self.op is Op.WRITE)

    @property
    def opf(self) -> int:
        """``bi_opf``: the REQ_OP number and the REQ_* flags (an empty flush carries REQ_PREFLUSH)."""
        opf = REQ_OP[self.op] | self.flags
        if self.op is Op.FLUSH:
            opf |= Flag.PREFLUSH
        return opf

    def endio(self, status: int = 0) -> None:
        """Complete the bio (bio_endio); a second call is ignored."""
        bio: Bio | None = self
        while bio is not None and not bio.done:
            if status and not bio.status:
                bio.status = status
            bio.done = True
            callback = bio.end_io
            if callback is None:
                return
            bio = callback(bio)
            status = 0

    def clone(self, sector: int, nr_sectors: int, offset_sectors: int = 0) -> Bio:
        """A bio for part of this one (``offset_sectors`` into its data) at ``sector``, going nowhere yet."""
        data = self.data
        if data is not None and (offset_sectors or nr_sectors != self.nr_sectors):
            start = offset_sectors << SECTOR_SHIFT
            data = data[start : start + (nr_sectors << SECTOR_SHIFT)]
        clone = Bio(self.op, sector, nr_sectors, data, self.flags)
        clone.parent = self
        clone.depth = self.depth + 1
        return clone

    def __repr__(self) -> str:
        return f"<Bio {self.op.value} {self.sector}+{self.nr_sectors} status={self.status}>"


def chain(parent: Bio, children: list[Bio]) -> None:
    """Complete ``parent`` once every child has completed, with the first error seen (bio_chain())."""
    remaining = [len(children)]

    def child_done(child: Bio) -> Bio | None:
        if child.status and not parent.status:
            parent.status = child.status
        remaining[0] -= 1
        return parent if remaining[0] == 0 else None

    if not children:
        parent.endio(0)
        return
    for child in children:
        child.end_io = child_done
