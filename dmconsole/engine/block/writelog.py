"""A disk's write log: every write, discard and flush that reaches it, in order, with flush epochs.

What a power cut may leave on a disk is decided by this log: an entry is durable once
it reached the medium (no write cache, or a FUA write) or once a flush completed after
it; until then it sat in the volatile cache and may or may not survive. The epoch of an
entry counts the flushes that completed before it, so "durable at entry N" is a
comparison of numbers. Power cuts of a whole lab and the crash checker replay it.

The log is bounded: past ``limit_bytes`` of data it stops recording and says so
(``overflowed``), rather than growing without end.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_LIMIT_BYTES = 256 << 20


@dataclass(frozen=True)
class LogEntry:
    seq: int  # position in the log, from 1
    epoch: int  # flushes completed before this entry reached the disk
    op: str  # "write", "discard" (or write-zeroes) or "flush"
    sector: int
    nr_sectors: int
    data: bytes | None  # what a write carried
    volatile: bool  # it went into the disk's volatile cache (a write without FUA on a disk with one)


class WriteLog:
    """The ordered record of one disk's writes and flushes."""

    def __init__(self, limit_bytes: int = DEFAULT_LIMIT_BYTES):
        self.limit_bytes = limit_bytes
        self.entries: list[LogEntry] = []
        self.epoch = 0
        self.bytes = 0
        self.overflowed = False

    def _add(self, op: str, sector: int, nr_sectors: int, data: bytes | None, volatile: bool) -> None:
        if self.overflowed:
            return
        size = len(data) if data is not None else 0
        if self.bytes + size > self.limit_bytes:
            self.overflowed = True
            return
        self.bytes += size
        self.entries.append(LogEntry(len(self.entries) + 1, self.epoch, op, sector, nr_sectors, data, volatile))

    def write(self, sector: int, nr_sectors: int, data: bytes, volatile: bool) -> None:
        self._add("write", sector, nr_sectors, data, volatile)

    def discard(self, sector: int, nr_sectors: int, volatile: bool) -> None:
        self._add("discard", sector, nr_sectors, None, volatile)

    def flush(self) -> None:
        """A completed flush: everything before it is durable from now on."""
        self._add("flush", 0, 0, None, False)
        self.epoch += 1

    def durable_at(self, seq: int) -> list[LogEntry]:
        """The writes and discards among the first ``seq`` entries that a power cut right after entry ``seq``
        cannot take away."""
        upto = self.entries[:seq]
        flushes = sum(1 for e in upto if e.op == "flush")
        return [e for e in upto if e.op != "flush" and (not e.volatile or e.epoch < flushes)]

    def in_flight_at(self, seq: int) -> list[LogEntry]:
        """The writes and discards among the first ``seq`` entries that sat only in the volatile cache then:
        after a power cut each of them may or may not be on the medium."""
        upto = self.entries[:seq]
        flushes = sum(1 for e in upto if e.op == "flush")
        return [e for e in upto if e.op != "flush" and e.volatile and e.epoch >= flushes]

    def __len__(self) -> int:
        return len(self.entries)
