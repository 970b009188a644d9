"""The target contract (``struct target_type``), the narrow context a target gets, and the registry of types.

A target family is one module (or package) under ``engine/targets/``: its class
subclasses ``Target``, sets ``name`` and ``version``, declares its message specs
and its view, and implements the hooks it has, with the kernel's meaning:

- ``ctr(args)`` raises ``TargetError(reason, errno)`` (``ti->error``); ``dtr()``.
- ``map(bio) -> MapResult``: dm core hands the target one clone per target piece
  (split at target boundaries and at ``max_io_len``), with ``bio.sector`` still in
  the mapped device's numbering (``target_offset()`` gives the sector within the
  target). ``REMAPPED``: the target set ``bio.bdev``/``bio.sector`` and dm core
  submits it. ``SUBMITTED``: the target owns the clone and completes or resubmits
  it later. ``KILL``: it fails with EIO. ``REQUEUE``: pushed back, held until resume
  during a noflush suspend, else failed.
- ``end_io(bio, status) -> (EndIO, status)`` (None when the target has none).
- ``presuspend``, ``presuspend_undo``, ``postsuspend``, ``preresume`` (raise
  ``TargetError`` to fail the resume), ``resume``: each may be a generator that
  sleeps (yields waits), as the kernel's hooks sleep.
- ``status(kind, flags)``, ``message(args)`` (the reply text or None),
  ``iterate_devices()``, ``io_hints(limits)``, ``view()``.

Targets reach the rest of the engine only through ``self.ctx`` (a ``TargetContext``):
the clock, the kernel log, ``get_device``, ``event()``, wait queues, timers and
workers. Timers and workers are paused at postsuspend and start again at resume;
``dtr`` stops them for good.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from ..block.bio import Bio
from ..block.devices import BlockDevice, LookupFailed
from ..core.errno import EINVAL, TargetError
from ..core.waits import TaskGen, WaitQueue, drive

if TYPE_CHECKING:
    from ..block.limits import QueueLimits
    from ..core.clock import Clock, Timer
    from ..core.klog import KernelLog
    from ..core.waits import Scheduler, Task

U64 = 1 << 64


class MapResult(enum.IntEnum):
    """DM_MAPIO_*."""

    SUBMITTED = 0
    REMAPPED = 1
    REQUEUE = 0x400
    KILL = 4


class EndIO(enum.IntEnum):
    """DM_ENDIO_*."""

    DONE = 0
    INCOMPLETE = 1
    REQUEUE = 2


class StatusType(enum.Enum):
    INFO = "info"  # `dmsetup status`
    TABLE = "table"  # `dmsetup table`


STATUS_NOFLUSH = 1  # DM_STATUS_NOFLUSH_FLAG: `dmsetup status --noflush`, do not flush to get the numbers


# ------------------------------------------------------------------------------------------------ message specs
@dataclass(frozen=True)
class MessageArg:
    """One argument of a target message: its name in the usage (BLOCK), what it means, how it completes."""

    name: str
    help: str = ""
    optional: bool = False
    repeats: bool = False  # takes any number of these (ARGS...)
    completion: str = ""  # a completion hint for the front ends ("device", "block"...)

    @property
    def usage(self) -> str:
        word = self.name + ("..." if self.repeats else "")
        return f"[{word}]" if self.optional else word


@dataclass(frozen=True)
class MessageSpec:
    """A message a target type takes: its word, its arguments, what it does, and whether it destroys data.

    ``note`` may say, for one live target (its view), what the arguments mean there (which block
    numbers a dust target covers, say).
    """

    name: str
    args: tuple[MessageArg, ...] = ()
    help: str = ""
    destructive: bool = False
    note: Callable[[Any], str] | None = None

    @property
    def usage(self) -> str:
        return " ".join(arg.usage for arg in self.args)

    @property
    def min_args(self) -> int:
        return sum(1 for arg in self.args if not arg.optional)

    @property
    def max_args(self) -> int | None:
        """Words it takes at most; None when it takes any number."""
        if any(arg.repeats for arg in self.args):
            return None
        return len(self.args)


# ------------------------------------------------------------------------------------------------ timers, workers
class TargetTimer:
    """A timer of a target: it runs its callback on the lab clock, paused while the target is suspended."""

    def __init__(self, ctx: TargetContext, due: float, callback: Callable[[], None]):
        self.ctx = ctx
        self.due = due
        self.callback = callback
        self.active = True
        self._timer: Timer | None = None
        self._arm()

    def _arm(self) -> None:
        self._timer = self.ctx.clock.call_at(self.due, self._fire, owner=self.ctx.owner)

    def _fire(self) -> None:
        self.active = False
        self.ctx.timers.pop(self, None)
        self.callback()

    def cancel(self) -> None:
        self.active = False
        self.ctx.timers.pop(self, None)
        if self._timer is not None:
            self._timer.cancel()

    def pause(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def restart(self) -> None:
        if self.active and self._timer is None:
            self._arm()


class Worker:
    """A work item on the target's workqueue (``queue_work``, ``queue_delayed_work``).

    ``fn`` runs as a task (it may sleep) at the scheduler's next turn after the work is queued;
    queueing it while it runs makes it run once more after. It does not run while the target
    is suspended: work queued then runs at resume.
    """

    def __init__(self, ctx: TargetContext, fn: Callable[[], Any], name: str):
        self.ctx = ctx
        self.fn = fn
        self.name = name
        self.running: Task | None = None
        self.again = False
        self.stopped = False
        self.pending = False  # queued while stopped
        self._delayed: TargetTimer | None = None
        self._idle = WaitQueue()

    def queue(self) -> None:
        if self.stopped:
            self.pending = True
            return
        if self.running is not None:
            self.again = True
            return
        self.running = self.ctx.scheduler.queue(self._run(), f"{self.ctx.owner}: {self.name}")

    def queue_delayed(self, delay: float) -> None:
        """Run the work after ``delay`` seconds of lab time (an earlier pending one stays)."""
        if self._delayed is not None and self._delayed.active:
            return
        self._delayed = self.ctx.timer(delay, self.queue)

    def cancel_delayed(self) -> None:
        if self._delayed is not None:
            self._delayed.cancel()
            self._delayed = None

    def _run(self) -> TaskGen:
        try:
            while True:
                self.again = False
                try:
                    yield from drive(self.fn())
                except Exception as exc:  # noqa: BLE001 - a bug in target code must not stop the engine
                    self.ctx.bug(f"worker {self.name}", exc)
                if not self.again or self.stopped:
                    if self.again:
                        self.pending = True
                    return
        finally:
            self.running = None
            self._idle.wake_up()

    def flush(self) -> TaskGen:
        """flush_work(): until a run in progress has ended."""
        if self.running is not None:
            yield self._idle.wait_event(lambda: self.running is None, f"{self.ctx.owner}: {self.name}",
                                        uninterruptible=True)

    def stop(self) -> TaskGen:
        self.stopped = True
        yield from self.flush()

    def start(self) -> None:
        self.stopped = False
        if self.pending:
            self.pending = False
            self.queue()


# ------------------------------------------------------------------------------------------------ the context
class TargetContext:
    """What a target may use of the engine: the clock, the log, its table's devices, events, timers, workers."""

    def __init__(self, *, clock: Clock, klog: KernelLog, scheduler: Scheduler, device_name: str,
                 get_device: Callable[[str], Any], event: Callable[[], None], submit_bio: Callable[[Bio], None],
                 owner: str):
        self.clock = clock
        self.klog = klog
        self.scheduler = scheduler
        self.device_name = device_name  # dm_device_name(): "MAJ:MIN" of the mapped device
        self._get_device = get_device
        self._event = event
        self.submit_bio = submit_bio  # submit_bio_noacct() of a bio the target built or remapped itself
        self.owner = owner  # "dm-MINOR TYPE", naming the target in the log of a bug
        self.timers: dict[TargetTimer, None] = {}  # in the order they were set: paused and re-armed in that order
        self.workers: list[Worker] = []

    def get_device(self, path: str) -> Any:
        """dm_get_device(): the device, held by the table (raises LookupFailed)."""
        return self._get_device(path)

    def event(self) -> None:
        """dm_table_event(): raises the mapped device's event number when this target's table is live."""
        self._event()

    def log(self, text: str) -> None:
        self.klog.log(text)

    def wait_queue(self) -> WaitQueue:
        return WaitQueue()

    def timer(self, delay: float, callback: Callable[[], None]) -> TargetTimer:
        timer = TargetTimer(self, self.clock.now + max(delay, 0.0), callback)
        self.timers[timer] = None
        return timer

    def worker(self, fn: Callable[[], Any], name: str = "worker") -> Worker:
        worker = Worker(self, fn, name)
        self.workers.append(worker)
        return worker

    def bug(self, where: str, exc: BaseException) -> None:
        """An exception in target code: a kernel bug. Logged with the target's name; the engine goes on."""
        self.klog.log(f"BUG: {self.owner}: {where}: {type(exc).__name__}: {exc}")

    # -- dm core's side ------------------------------------------------------------
    def pause(self) -> TaskGen:
        """At postsuspend: timers stop, work in progress is waited for, new work waits for resume."""
        for timer in list(self.timers):
            timer.pause()
        for worker in self.workers:
            yield from worker.stop()

    def restart(self) -> None:
        """At resume."""
        for timer in list(self.timers):
            timer.restart()
        for worker in self.workers:
            worker.start()

    def shut_down(self) -> None:
        """At dtr: nothing of the target runs again."""
        for timer in list(self.timers):
            timer.cancel()
        for worker in self.workers:
            worker.stopped = True
            worker.cancel_delayed()
            if worker.running is not None:
                worker.running.cancel()


# ------------------------------------------------------------------------------------------------ the target
class Target:
    """One table line's target (``struct dm_target`` with its ``target_type`` hooks).

    Subclasses set ``name``/``version`` and override the hooks they have; the class-level
    flags are the kernel's feature flags checked at table load.
    """

    name: ClassVar[str] = ""
    version: ClassVar[tuple[int, int, int]] = (0, 0, 0)
    singleton: ClassVar[bool] = False
    immutable: ClassVar[bool] = False
    always_writeable: ClassVar[bool] = False
    wildcard: ClassVar[bool] = False
    messages: ClassVar[tuple[MessageSpec, ...]] = ()
    view_type: ClassVar[type | None] = None  # the frozen dataclass ``view()`` returns, for the family's pane
    end_io: ClassVar[Callable[..., tuple[EndIO, int]] | None] = None

    def __init__(self, ctx: TargetContext, begin: int, length: int, read_only: bool):
        self.ctx = ctx
        self.begin = begin
        self.len = length
        self.read_only = read_only
        # ti->num_flush_bios etc.: how many clones of an empty flush, a discard, a write-zeroes the target gets.
        # 0, as in the kernel, until the constructor says otherwise: no flushes reach it, and discards and
        # write-zeroes fail with EOPNOTSUPP.
        self.num_flush_bios = 0
        self.num_discard_bios = 0
        self.num_write_zeroes_bios = 0
        self.max_io_len = 0  # dm core splits normal I/O at multiples of this many sectors (0: only at the end)

    # -- helpers for target code -------------------------------------------------
    @property
    def clock(self) -> Clock:
        return self.ctx.clock

    def target_offset(self, sector: int) -> int:
        """dm_target_offset(): the sector within the target (sector_t arithmetic: it wraps)."""
        return (sector - self.begin) % U64

    def get_device(self, path: str, error: str = "Device lookup failed") -> BlockDevice:
        """dm_get_device(); ``error`` becomes ti->error when the lookup fails."""
        try:
            return self.ctx.get_device(path)
        except LookupFailed as failed:
            raise TargetError(error, failed.errno) from None

    def log(self, text: str) -> None:
        """DMERR/DMWARN/DMINFO: ``device-mapper: <name>: text``."""
        self.ctx.log(f"device-mapper: {self.name}: {text}")

    def event(self) -> None:
        self.ctx.event()

    @staticmethod
    def parse_uint(text: str, error: str, limit: int = 2**64 - 1) -> int:
        """sscanf("%llu") with the kernel's strictness: ASCII digits only, no trailing junk."""
        if not text.isascii() or not text.isdigit() or int(text) > limit:
            raise TargetError(error, EINVAL)
        return int(text)

    # -- target_type hooks --------------------------------------------------------
    def ctr(self, args: list[str]) -> None:
        raise NotImplementedError

    def dtr(self) -> None:
        pass

    def map(self, bio: Bio) -> MapResult:
        raise NotImplementedError

    def presuspend(self) -> TaskGen | None:
        return None

    def presuspend_undo(self) -> None:
        pass

    def postsuspend(self) -> TaskGen | None:
        return None

    def preresume(self) -> TaskGen | None:
        return None

    def resume(self) -> TaskGen | None:
        return None

    def status(self, kind: StatusType, flags: int = 0) -> str:
        return ""

    def message(self, args: list[str]) -> str | None:
        raise TargetError("Target type does not support messages", EINVAL)

    def iterate_devices(self) -> list[tuple[BlockDevice, int, int]]:
        """(device, physical start, length) for each device area the target maps onto."""
        return []

    def io_hints(self, limits: QueueLimits) -> None:
        """Adjust the target's queue limits (io_min, io_opt...) after its devices' have been stacked."""

    def view(self) -> Any:
        """What the family's console pane shows (an instance of ``view_type``), or None."""
        return None


# ------------------------------------------------------------------------------------------------ the registry
TARGET_TYPES: dict[str, type[Target]] = {}

# The order in which the oracle kernel (Debian 12's 6.1 with the dm modules loaded) lists its target types,
# most recently registered first, as DM_LIST_VERSIONS gives them. The lab lists the types it has in that order:
# the others are like modules that are not loaded (a table naming one fails with `unknown target type`).
KERNEL_LIST_ORDER = (
    "ebs", "clone", "unstriped", "log-writes", "switch", "multipath", "verity", "integrity", "crypt", "era", "zero",
    "delay", "dust", "flakey", "writecache", "cache", "raid", "mirror", "snapshot-merge", "snapshot-origin",
    "snapshot", "thin-pool", "thin", "striped", "linear", "error",
)


def register(cls: type[Target]) -> type[Target]:
    """Class decorator: make a target type known to table loading and DM_LIST_VERSIONS."""
    TARGET_TYPES[cls.name] = cls
    return cls


def target_type(name: str) -> type[Target] | None:
    return TARGET_TYPES.get(name)


def takes_messages(cls: type[Target]) -> bool:
    """Whether the type has a message hook at all (the kernel refuses every message to one that has not)."""
    return cls.message is not Target.message


def list_versions() -> list[tuple[str, tuple[int, int, int]]]:
    """DM_LIST_VERSIONS: types the oracle kernel does not have first (loaded later), then the kernel's order."""
    order = {name: index for index, name in enumerate(KERNEL_LIST_ORDER)}
    names = sorted(TARGET_TYPES, key=lambda name: (name in order, order.get(name, 0), name))
    return [(name, TARGET_TYPES[name].version) for name in names]
