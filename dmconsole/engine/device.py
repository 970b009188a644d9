"""Mapped devices and their tables: live and inactive slots, suspend, held I/O, events."""

from __future__ import annotations

import bisect
import math
from typing import TYPE_CHECKING

from .bio import Bio, Flag, Op, chain
from .errors import EIO

if TYPE_CHECKING:
    from .target import Target

DEFAULT_READ_AHEAD = 256  # sectors: VM_READAHEAD_PAGES (128 KiB)
MAX_STACK_DEPTH = 16  # bios remapped deeper than this are failed: only a self-referencing table gets there


class Table:
    """A loaded table: targets in sector order, contiguous from 0."""

    def __init__(self, targets: list[Target], read_only: bool):
        self.targets = targets
        self.read_only = read_only
        self._starts = [t.begin for t in targets]

    @property
    def size(self) -> int:
        last = self.targets[-1] if self.targets else None
        return last.begin + last.len if last else 0

    def find(self, sector: int) -> Target:
        return self.targets[bisect.bisect_right(self._starts, sector) - 1]

    def devices(self) -> list:
        """Each device the table holds, once, in the order the targets got them."""
        seen: list = []
        for target in self.targets:
            for dev in target.devices:
                if dev not in seen:
                    seen.append(dev)
        return seen

    def io_opt_sectors(self) -> int:
        """The table's optimal I/O size: stacked the way blk_stack_limits() does (lcm)."""
        opt = 0
        for target in self.targets:
            values = [target.io_opt_sectors()] + [dev.io_opt_sectors for dev in target.devices]
            for value in values:
                if value:
                    opt = value if not opt else math.lcm(opt, value)
        return opt

    def destroy(self) -> None:
        for target in self.targets:
            target.dtr()


class MappedDevice:
    """A dm device: ``struct mapped_device`` with its two table slots."""

    kind = "dm"

    def __init__(self, engine, name: str, major: int, minor: int, uuid: str = ""):
        self.engine = engine
        self.name = name
        self.major = major
        self.minor = minor
        self.uuid = uuid
        self.live: Table | None = None
        self.inactive: Table | None = None
        # DM_DEV_CREATE leaves a device active with no table: I/O waits for one, and resume does nothing.
        self.suspended = False
        # md->type is fixed by the first table load, whose queue setup adds the gendisk (/dev/dm-N, maj:min opens)
        self.disk_added = False
        self.node_exists = False  # /dev/mapper/NAME: made at the first table load or resume
        self.noflush_suspend = False
        self.read_only = False
        self.event_nr = 0
        self.user_opens = 0
        self.in_flight = 0
        self.held_bios: list[Bio] = []
        self.read_ahead = DEFAULT_READ_AHEAD
        self.deferred_remove = False
        self._mapping_depth = 0
        self.queue_io_opt = 0  # the queue limit stacked from the live table at its resume
        self.write_cache = False  # QUEUE_FLAG_WC, from the live table's devices at its resume

    @property
    def devno(self) -> str:
        return f"{self.major}:{self.minor}"

    @property
    def kernel_name(self) -> str:
        return f"dm-{self.minor}"

    @property
    def path(self) -> str:
        return f"/dev/mapper/{self.name}"

    @property
    def size_sectors(self) -> int:
        return self.live.size if self.live else 0

    @property
    def io_opt_sectors(self) -> int:
        return self.queue_io_opt

    @property
    def blocks_io(self) -> bool:
        """DMF_BLOCK_IO_FOR_SUSPEND: new bios wait for resume."""
        return self.suspended

    def state_name(self) -> str:
        return "SUSPENDED" if self.suspended else "ACTIVE"

    # -- I/O ---------------------------------------------------------------------
    def submit(self, bio: Bio) -> None:
        """dm_submit_bio(): hold while suspended or tableless, else split at target boundaries and map."""
        if self.blocks_io or self.live is None:
            if bio.flags & Flag.RAHEAD:
                bio.endio(-EIO)  # readahead is never queued
            else:
                self.held_bios.append(bio)
            return
        if self._mapping_depth >= MAX_STACK_DEPTH:
            # A table that maps onto itself: the kernel would spin on the bio forever.
            bio.endio(-EIO)
            return
        self._mapping_depth += 1
        try:
            self._map_bio(bio)
        finally:
            self._mapping_depth -= 1

    def _map_bio(self, bio: Bio) -> None:
        table = self.live
        if table is None or not table.targets:
            bio.endio(-EIO)
            return
        if bio.op is Op.FLUSH or (bio.nr_sectors == 0):
            self._map_flush(bio, table)
            return
        if bio.end_sector > table.size:
            bio.endio(-EIO)
            return
        pieces: list[tuple[Target, Bio]] = []
        sector, done = bio.sector, 0
        while done < bio.nr_sectors:
            target = table.find(sector)
            take = min(target.begin + target.len - sector, bio.nr_sectors - done)
            clone = bio.clone(sector - target.begin, take, done)
            pieces.append((target, clone))
            sector += take
            done += take
        chain(bio, [clone for _, clone in pieces])
        for target, clone in pieces:
            self._dispatch(target, clone)

    def _map_flush(self, bio: Bio, table: Table) -> None:
        """An empty flush goes to every target (num_flush_bios = 1 each)."""
        clones = [Bio(Op.FLUSH, 0, 0, None, bio.flags) for _ in table.targets]
        chain(bio, clones)
        for target, clone in zip(table.targets, clones, strict=True):
            self._dispatch(target, clone)

    def _dispatch(self, target: Target, clone: Bio) -> None:
        self.in_flight += 1
        inner = clone.end_io

        def done(c: Bio) -> None:
            self.in_flight -= 1
            if inner:
                inner(c)

        clone.end_io = done
        target.map(clone)

    def release_held(self) -> None:
        """Re-issue the bios held while suspended (resume's dm_queue_flush)."""
        held, self.held_bios = self.held_bios, []
        for bio in held:
            self.submit(bio)
