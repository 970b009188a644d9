"""Mapped devices (``struct mapped_device``): two table slots, the I/O path from a bio to its targets'
clones and back, and suspend and resume with their target hooks (drivers/md/dm.c of Linux 6.1)."""

from __future__ import annotations

from ..block.bio import STATUS_REQUEUE, Bio, Flag, Op
from ..block.limits import QueueLimits
from ..core.errno import EINVAL, EIO, EOPNOTSUPP, DMError, TargetError
from ..core.waits import Mutex, TaskGen, WaitQueue, drive
from .table import DmServices, Table
from .target import EndIO, MapResult, Target

DEFAULT_READ_AHEAD = 256  # sectors: VM_READAHEAD_PAGES (128 KiB)
# A clone mapped deeper than this is looked at for a table that maps onto itself (the kernel would spin
# on such a bio for ever; the lab fails it). Stacks deeper than this are fine, only slower to check.
LOOP_CHECK_DEPTH = 64


# __send_empty_flush() builds its clones from an on-stack REQ_OP_WRITE | REQ_PREFLUSH | REQ_SYNC bio.
_FLUSH_CLONE_FLAGS = Flag.PREFLUSH | Flag.SYNC


class DmIo:
    """``struct dm_io``: one original bio in a mapped device, and its clones still out."""

    __slots__ = ("md", "bio", "pending", "status")

    def __init__(self, md: MappedDevice, bio: Bio):
        self.md = md
        self.bio = bio
        self.pending = 1  # the submitter's own reference while it splits and maps
        self.status = 0


class MappedDevice:
    """A dm device: its table slots, flags, counters and held I/O."""

    kind = "dm"

    def __init__(self, dm: DmServices, name: str, major: int, minor: int, uuid: str = ""):
        self.dm = dm
        self.name = name
        self.major = major
        self.minor = minor
        self.uuid = uuid
        self.live: Table | None = None
        self.inactive: Table | None = None
        # DMF_* flags: a new device is active with no table (I/O waits for one, resume does nothing).
        self.block_io = False  # DMF_BLOCK_IO_FOR_SUSPEND: new bios are held
        self.suspended = False  # DMF_SUSPENDED: what DM_DEV_STATUS reports, set once in-flight I/O drained
        self.noflush_suspending = False  # DMF_NOFLUSH_SUSPENDING
        self.disk_added = False  # the gendisk (/dev/dm-N, MAJ:MIN opens), added by the first table load
        self.read_only = False
        self.event_nr = 0
        self.events = WaitQueue()  # md->eventq: `dmsetup wait`
        self.idle = WaitQueue()  # md->wait: suspend waits here for in-flight I/O
        self.suspend_lock = Mutex()  # md->suspend_lock: one suspend or resume at a time
        self.opens = 0  # opens by processes
        self.holders = 0  # tables holding it
        self.in_flight = 0  # dm_io in progress
        self.held_bios: list[Bio] = []  # md->deferred
        self.read_ahead = DEFAULT_READ_AHEAD
        self.deferred_remove = False
        self.limits = QueueLimits()  # the queue limits stacked from the live table at its swap
        self.write_cache = False  # QUEUE_FLAG_WC, from the live table's devices at its swap

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
    def open_count(self) -> int:
        return self.opens + self.holders

    # ------------------------------------------------------------------ events
    def table_event(self, table: Table, type_name: str) -> None:
        """dm_table_event(): counts only when the target's table is the live one."""
        if table is self.live:
            self.event(f"{type_name} event")

    def event(self, why: str) -> None:
        self.event_nr += 1
        self.events.wake_up()
        self.dm.note("event", self.name, f"event {self.event_nr}: {why}")

    # ------------------------------------------------------------------ I/O
    def submit(self, bio: Bio) -> None:
        """dm_submit_bio(): hold while suspended or tableless, else split into clones for the targets."""
        table = self.live
        if self.block_io or table is None:
            if bio.flags & Flag.RAHEAD:
                bio.endio(-EIO)  # readahead is never queued
            else:
                self.held_bios.append(bio)
            return
        if bio.depth > LOOP_CHECK_DEPTH and self._maps_onto_itself(bio):
            bio.endio(-EIO)
            return
        io = DmIo(self, bio)
        self.in_flight += 1
        if bio.op is Op.FLUSH or (bio.flags & Flag.PREFLUSH and bio.nr_sectors):
            self._send_empty_flush(io, table)
        elif bio.end_sector > table.size:
            io.status = -EIO
        elif bio.op is Op.DISCARD or bio.op is Op.WRITE_ZEROES:
            self._send_changing_extent(io, table)
        else:
            self._split_and_map(io, table)
        done = self._dec_pending(io, 0)
        if done is not None:
            done.endio(done.status)

    def _maps_onto_itself(self, bio: Bio) -> bool:
        """Whether this device already mapped one of the bio's ancestors (a table that maps onto itself)."""
        ancestor = bio.parent
        while ancestor is not None:
            if ancestor.bdev is self:
                return True
            ancestor = ancestor.parent
        return False

    def _send_empty_flush(self, io: DmIo, table: Table) -> None:
        """__send_empty_flush(): ``num_flush_bios`` empty flush clones for every target."""
        bio = io.bio
        for target in table.targets:
            for nr in range(target.num_flush_bios):
                clone = Bio(Op.FLUSH, 0, 0, None, _FLUSH_CLONE_FLAGS)
                clone.parent = bio
                clone.depth = bio.depth + 1
                clone.target_bio_nr = nr
                self._map(io, target, clone)

    def _send_changing_extent(self, io: DmIo, table: Table) -> None:
        """__send_changing_extent_only(): discards and write-zeroes split only at target boundaries, each piece
        sent ``num_discard_bios`` (``num_write_zeroes_bios``) times."""
        bio = io.bio
        sector, done = bio.sector, 0
        while done < bio.nr_sectors:
            target = table.find(sector)
            take = min(target.begin + target.len - sector, bio.nr_sectors - done)
            copies = target.num_discard_bios if bio.op is Op.DISCARD else target.num_write_zeroes_bios
            if not copies:
                io.status = -EOPNOTSUPP  # __process_abnormal_io(): BLK_STS_NOTSUPP
                return
            for nr in range(copies):
                clone = bio.clone(sector, take, done)
                clone.target_bio_nr = nr
                self._map(io, target, clone)
            sector += take
            done += take

    def _split_and_map(self, io: DmIo, table: Table) -> None:
        """__split_and_process_bio(): a clone for each piece, cut at target boundaries and at max_io_len."""
        bio = io.bio
        sector, done, count = bio.sector, 0, bio.nr_sectors
        target = table.find(sector)
        if target.begin + target.len >= bio.end_sector and not target.max_io_len:
            self._map(io, target, bio.clone(sector, count))  # the common case: one clone
            return
        while done < count:
            target = table.find(sector)
            take = min(target.begin + target.len - sector, count - done)
            if target.max_io_len:
                offset = target.target_offset(sector)
                take = min(take, target.max_io_len - offset % target.max_io_len)
            self._map(io, target, bio.clone(sector, take, done))
            sector += take
            done += take

    def _map(self, io: DmIo, target: Target, clone: Bio) -> None:
        """__map_bio()."""
        io.pending += 1
        clone.dm_io = io
        clone.target = target
        clone.end_io = self._clone_endio
        try:
            result = target.map(clone)
        except Exception as exc:  # noqa: BLE001 - a bug in target code fails the bio, not the engine
            target.ctx.bug("map", exc)
            result = MapResult.KILL
        if result is MapResult.REMAPPED:
            self.dm.block.submit_bio(clone)
        elif result is MapResult.SUBMITTED:
            pass
        else:
            clone.done = True  # freed without its end_io, as dm core frees a killed or pushed-back clone
            done = self._dec_pending(io, STATUS_REQUEUE if result is MapResult.REQUEUE else -EIO)
            if done is not None:
                done.endio(done.status)

    def _clone_endio(self, clone: Bio) -> Bio | None:
        """clone_endio(): the target's end_io, then one less clone out for the original bio."""
        target: Target = clone.target
        status = clone.status
        if target.end_io is not None:
            try:
                verdict, status = target.end_io(clone, status)
            except Exception as exc:  # noqa: BLE001
                target.ctx.bug("end_io", exc)
                verdict, status = EndIO.DONE, -EIO
            if verdict is EndIO.INCOMPLETE:
                clone.done = False  # the target completes it again later
                clone.status = 0
                return None
            if verdict is EndIO.REQUEUE:
                status = STATUS_REQUEUE
        return self._dec_pending(clone.dm_io, status)

    def _dec_pending(self, io: DmIo, status: int) -> Bio | None:
        """dm_io_dec_pending(): the original bio to complete once its last clone is back, else None."""
        if status and not (io.status == STATUS_REQUEUE and self.noflush_suspending):
            io.status = status
        io.pending -= 1
        if io.pending:
            return None
        return self._io_complete(io)

    def _io_complete(self, io: DmIo) -> Bio | None:
        """dm_io_complete(): a pushed-back bio is held for resume during a noflush suspend (else it fails);
        a flush that carried data sends the data on once the flush is done."""
        bio = io.bio
        status = io.status
        self.in_flight -= 1
        if not self.in_flight:
            self.idle.wake_up()
        if status == STATUS_REQUEUE:
            if self.noflush_suspending:
                self.held_bios.insert(0, bio)
                return None
            status = -EIO
        if not status and bio.flags & Flag.PREFLUSH and bio.nr_sectors:
            bio.flags &= ~Flag.PREFLUSH
            self.submit(bio)  # the data, now that the flush is done (queue_io in the kernel)
            return None
        if status:
            bio.status = status
        return bio

    def release_held(self) -> None:
        """dm_queue_flush(): I/O flows again, and the bios held meanwhile are submitted again."""
        self.block_io = False
        held, self.held_bios = self.held_bios, []
        for bio in held:
            self.dm.block.submit_bio(bio)

    def fail_held(self) -> None:
        held, self.held_bios = self.held_bios, []
        for bio in held:
            bio.endio(-EIO)

    # ------------------------------------------------------------------ suspend and resume
    def suspend(self, noflush: bool) -> TaskGen:
        """dm_suspend(): presuspend, hold new I/O, wait for what is in flight, postsuspend.

        The device reports itself suspended only once its in-flight I/O has drained. A suspend
        interrupted while it waits (a signal) is undone: I/O flows again and the targets'
        presuspend is undone.
        """
        table = self.live
        targets = table.targets if table else []
        self.noflush_suspending = noflush
        try:
            for target in targets:
                yield from self._hook(target, "presuspend")
            self.block_io = True
            if self.in_flight:
                try:
                    yield self.idle.wait_event(lambda: self.in_flight == 0, f"in-flight I/O on {self.name}")
                except GeneratorExit:
                    self.noflush_suspending = False
                    self.release_held()
                    for target in targets:
                        self._call(target, "presuspend_undo")
                    raise
            self.suspended = True
        finally:
            self.noflush_suspending = False
        for target in targets:
            yield from self._hook(target, "postsuspend")
            yield from target.ctx.pause()

    def quiesce(self) -> TaskGen:
        """What __dm_destroy() does to a live table that is not suspended: presuspend, then postsuspend."""
        targets = self.live.targets if self.live else []
        for target in targets:
            yield from self._hook(target, "presuspend")
        self.suspended = True
        for target in targets:
            yield from self._hook(target, "postsuspend")

    def resume(self) -> TaskGen:
        """dm_resume(): preresume every target (one failing fails the resume), resume them, release held I/O."""
        table = self.live
        if table is None or table.size == 0:
            raise DMError(EINVAL)
        for target in table.targets:
            try:
                yield from drive(target.preresume())
            except TargetError as err:
                raise DMError(err.errno, err.reason) from None
            except Exception as exc:  # noqa: BLE001
                target.ctx.bug("preresume", exc)
                raise DMError(EIO) from None
        for target in table.targets:
            yield from self._hook(target, "resume")
            target.ctx.restart()
        self.suspended = False
        self.release_held()

    def _hook(self, target: Target, hook: str) -> TaskGen:
        try:
            yield from drive(getattr(target, hook)())
        except Exception as exc:  # noqa: BLE001 - logged as the kernel bug it is; the operation goes on
            target.ctx.bug(hook, exc)

    @staticmethod
    def _call(target: Target, hook: str) -> None:
        try:
            getattr(target, hook)()
        except Exception as exc:  # noqa: BLE001
            target.ctx.bug(hook, exc)
