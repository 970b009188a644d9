"""Block I/O requests, as the kernel's struct bio: op, flags, sectors, data, completion."""

from __future__ import annotations

import enum
from collections.abc import Callable

SECTOR_SIZE = 512
SECTOR_SHIFT = 9


class Op(enum.Enum):
    READ = "read"
    WRITE = "write"
    FLUSH = "flush"
    DISCARD = "discard"
    WRITE_ZEROES = "write_zeroes"

    @property
    def is_write(self) -> bool:
        """op_is_write(): everything but a read changes the device."""
        return self is not Op.READ


class Flag(enum.IntFlag):
    NONE = 0
    FUA = 1
    PREFLUSH = 2
    META = 4
    RAHEAD = 8
    SYNC = 16
    IDLE = 32  # REQ_IDLE: nothing more is coming soon (direct writes)


class Bio:
    """One request. ``data`` is a writable view over the caller's buffer.

    Completion goes through endio(): the submitter's callback runs exactly once,
    with ``status`` 0 or a negative errno, whenever the lower layers finish it.
    """

    __slots__ = ("op", "sector", "nr_sectors", "data", "flags", "status", "end_io", "done", "private")

    def __init__(
        self,
        op: Op,
        sector: int,
        nr_sectors: int,
        data: memoryview | None = None,
        flags: Flag = Flag.NONE,
        end_io: Callable[[Bio], None] | None = None,
    ):
        self.op = op
        self.sector = sector
        self.nr_sectors = nr_sectors
        self.data = data
        self.flags = flags
        self.status = 0
        self.end_io = end_io
        self.done = False
        self.private: object = None

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
        return self.op in (Op.READ, Op.WRITE) and self.nr_sectors > 0

    def endio(self, status: int = 0) -> None:
        """Complete the bio (bio_endio); a second call is ignored."""
        if self.done:
            return
        if status and not self.status:
            self.status = status
        self.done = True
        if self.end_io:
            self.end_io(self)

    def clone(self, sector: int, nr_sectors: int, offset_sectors: int = 0) -> Bio:
        """A bio for part of this one (``offset_sectors`` into its data), remapped to ``sector``."""
        data = None
        if self.data is not None:
            start = offset_sectors << SECTOR_SHIFT
            data = self.data[start : start + (nr_sectors << SECTOR_SHIFT)]
        return Bio(self.op, sector, nr_sectors, data, self.flags)

    def __repr__(self) -> str:
        return f"<Bio {self.op.value} {self.sector}+{self.nr_sectors} status={self.status}>"


def chain(parent: Bio, children: list[Bio]) -> None:
    """Complete ``parent`` when every child has completed, with the first error seen."""
    remaining = [len(children)]

    def child_done(child: Bio) -> None:
        if child.status and not parent.status:
            parent.status = child.status
        remaining[0] -= 1
        if remaining[0] == 0:
            parent.endio(parent.status)

    if not children:
        parent.endio(0)
        return
    for child in children:
        child.end_io = child_done
