"""The engine: one lab's kernel side, put together.

- ``clock``, ``klog``, ``tasks`` (the run queue): the core;
- ``block``: disks, gendisks and /dev nodes, opens, ``submit_bio()``;
- ``files``: open(2) of device nodes (dd's files);
- ``dm``: the device-mapper driver and its ioctls (``engine/dm/ioctl.py``);
- ``thread``: the engine thread, when the lab runs on real time.

Scripts and tests drive it on a stepped clock (``run``, ``advance``); the console
hands it to its thread. ``make_view()`` builds the immutable view front ends read.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from . import targets as _targets  # noqa: F401 - registers the target types
from .block.bio import Bio, Op
from .block.devices import BlockDevices
from .block.fops import DeviceFiles
from .core.clock import Clock, Timer
from .core.klog import KernelLog
from .core.thread import EngineThread
from .core.waits import Scheduler, Task, TaskGen
from .dm.ioctl import DeviceMapper
from .dm.target import StatusType
from .views import DeviceView, DiskView, EngineView, EventView, TargetView, WorkloadView

DM_MAJOR = 253
EVENTS_KEPT = 500


class Engine:
    """One lab's kernel: clock, log, tasks, block layer, device-mapper."""

    def __init__(self, dm_major: int = DM_MAJOR, clock: Clock | None = None):
        self.clock = clock or Clock()
        self.klog = KernelLog(self.clock)
        self.tasks = Scheduler()
        self.events: deque[EventView] = deque(maxlen=EVENTS_KEPT)
        self._event_seq = itertools.count(1)
        self._klog_seen = 0
        self._view_seq = 0
        self.block = BlockDevices(self.clock, self.klog, self.note)
        self.files = DeviceFiles(self.block)
        self.dm = DeviceMapper(major=dm_major, clock=self.clock, klog=self.klog, scheduler=self.tasks,
                               block=self.block, note=self.note)
        self.clock.on_error = self._timer_failed
        self.thread = EngineThread(self.clock, self.tasks, self.make_view, self._bug)

    # ------------------------------------------------------------------ the event log of the front ends
    def note(self, kind: str, device: str, text: str) -> None:
        """Record something for the front ends' event log (after the kernel lines logged before it)."""
        self._collect_klog()
        self.events.append(EventView(next(self._event_seq), self.clock.now, kind, device, text))

    def _collect_klog(self) -> None:
        for line in self.klog.lines(self._klog_seen):
            self._klog_seen = line.seq
            self.events.append(EventView(next(self._event_seq), line.time, "klog", "", line.text))

    def _bug(self, text: str) -> None:
        self.klog.log(f"BUG: {text}")

    def _timer_failed(self, timer: Timer, exc: Exception) -> None:
        self._bug(f"{timer.owner or 'timer'}: timer: {type(exc).__name__}: {exc}")

    # ------------------------------------------------------------------ user I/O (tests, benchmarks)
    def submit(self, dev: Any, op: Op, sector: int, nr_sectors: int, data: memoryview | None = None,
               flags: int = 0) -> Bio:
        bio = Bio(op, sector, nr_sectors, data, flags, bdev=dev)
        self.block.submit_bio(bio)
        return bio

    # ------------------------------------------------------------------ tasks and the stepped clock
    def spawn(self, gen: TaskGen, name: str = "", future: Future | None = None) -> Task:
        """Run a task in the background: it runs at once until it first sleeps."""
        return self.tasks.spawn(gen, name, future)

    def pump(self) -> None:
        """Run every task that has been woken."""
        self.tasks.run_pending()

    def run(self, gen: TaskGen, bound: float = 600.0) -> tuple[bool, Any]:
        """Drive ``gen`` to its end on the stepped clock, advancing time while it sleeps.

        Returns (finished, result). Gives up when nothing is due before ``bound`` seconds of
        lab time have passed; the task is then left where it sleeps, as a process still
        stuck in the kernel.
        """
        task = self.tasks.spawn(gen, "foreground")
        deadline = self.clock.now + bound
        while True:
            self.tasks.run_pending()
            if task.finished:
                if task.exception:
                    raise task.exception
                return True, task.result
            due = self.clock.next_due()
            if due is None or due > deadline:
                # Sit there until the bound, as the real command would, then give up on it.
                self.clock.advance_to(deadline, self.tasks.run_pending)
                if task.finished:
                    if task.exception:
                        raise task.exception
                    return True, task.result
                return False, task.waiting.what if task.waiting else ""
            self.clock.advance_to(due, self.tasks.run_pending)

    def advance(self, seconds: float) -> None:
        """Let lab time pass: every timer, workload and task runs in order."""
        self.clock.advance(seconds, self.tasks.run_pending)
        self.tasks.run_pending()

    # ------------------------------------------------------------------ views
    def make_view(self, workloads: tuple[WorkloadView, ...] = ()) -> EngineView:
        self._collect_klog()
        self._view_seq += 1
        devices = tuple(self._device_view(md) for _, md in sorted(self.dm.devices.items()))
        disks = tuple(
            DiskView(d.name, d.major, d.minor, d.size_sectors, d.open_count, d.faults.describe(),
                     d.store.bytes_stored, d.reads, d.writes, d.errors, d.write_cache, len(d.cached))
            for d in sorted(self.block.disks.values(), key=lambda d: (d.major, d.minor))
        )
        thread = self.thread
        return EngineView(self._view_seq, self.clock.now, thread.speed, thread.paused, devices, disks, workloads,
                          tuple(self.events))

    def _device_view(self, md) -> DeviceView:
        _, table_rows = self.dm.table_status(md.name)
        info, status_rows = self.dm.table_status(md.name, kind=StatusType.INFO)
        targets = md.live.targets if md.live else []
        live = tuple(
            TargetView(row.start, row.length, row.type, row.params, status.params, _target_view(target))
            for row, status, target in zip(table_rows, status_rows, targets, strict=True)
        )
        deps = tuple(f"{dev.major}:{dev.minor}" for dev in md.live.devices) if md.live else ()
        return DeviceView(md.name, md.major, md.minor, md.uuid, md.suspended, md.read_only, info.open_count,
                          md.event_nr, md.size_sectors, live, md.inactive is not None, deps, len(md.held_bios),
                          md.in_flight)

    # ------------------------------------------------------------------ the engine thread
    def start(self, speed: float = 1.0) -> None:
        self.thread.start(speed)

    def stop(self) -> None:
        self.thread.stop()

    @property
    def threaded(self) -> bool:
        return self.thread.running

    def submit_call(self, fn: Callable[[], Any]) -> Future:
        return self.thread.submit_call(fn)


def _target_view(target) -> Any:
    try:
        return target.view()
    except Exception as exc:  # noqa: BLE001 - a bug in a family's view must not break every view
        target.ctx.bug("view", exc)
        return None
