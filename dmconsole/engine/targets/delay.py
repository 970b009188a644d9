"""dm-delay (v1.3.0, Linux 6.1): hold reads, writes and flushes for a while, per class.

Table: ``<dev> <offset> <delay_ms> [<wdev> <woffset> <wdelay_ms> [<fdev> <foffset> <fdelay_ms>]]``.
With 3 arguments one class serves reads, writes and flushes; with 6 the second
serves writes and flushes; with 9 flushes (writes carrying REQ_PREFLUSH, and
empty flushes) have their own. Each bio is remapped to its class's device and
held for the class's delay; a delay of 0 passes it straight through.

The kernel keeps one timer for the earliest expiry and, when it fires, sends
every bio whose expiry (in jiffies, ``msecs_to_jiffies()`` rounds up) has
passed. Here each held bio has its own clock timer due exactly ``delay_ms``
after it was mapped; bios due at the same instant go in the order they came.

presuspend stops delaying and sends every held bio at once; resume starts
delaying again. INFO status is the number of bios held per class.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..block.bio import Bio, Flag
from ..core.errno import TargetError
from ..dm.target import MapResult, StatusType, Target, TargetTimer, register
from .kparse import sscanf_uint


@dataclass(frozen=True)
class DelayView:
    """What the console shows of a delay target: each class's delay and the bios it holds now."""

    delays_ms: tuple[int, int, int]  # read, write, flush
    held: tuple[int, int, int]
    delaying: bool  # false between presuspend and resume: bios pass straight through


class DelayClass:
    """``struct delay_class``: where a kind of I/O goes, how long it waits, how many wait now."""

    __slots__ = ("dev", "start", "delay", "ops")

    def __init__(self, dev, start: int, delay: int):
        self.dev = dev
        self.start = start
        self.delay = delay
        self.ops = 0

    def emit(self) -> str:
        return f"{self.dev.devno} {self.start} {self.delay}"


class HeldBio:
    """``struct dm_delay_info``: a bio waiting in the delay list."""

    __slots__ = ("bio", "cls", "timer")

    def __init__(self, bio: Bio, cls: DelayClass):
        self.bio = bio
        self.cls = cls
        self.timer: TargetTimer | None = None


@register
class Delay(Target):
    name = "delay"
    version = (1, 3, 0)
    view_type = DelayView

    def ctr(self, args: list[str]) -> None:
        self.held: dict[HeldBio, None] = {}  # insertion-ordered: the delay list
        self.may_delay = True
        if len(args) not in (3, 6, 9):
            raise TargetError("Requires exactly 3, 6 or 9 arguments")
        self.argc = len(args)
        self.read = self._class_ctr(args[0:3])
        if self.argc == 3:
            self.write = self._class_ctr(args[0:3])
            self.flush = self._class_ctr(args[0:3])
        else:
            self.write = self._class_ctr(args[3:6])
            self.flush = self._class_ctr(args[3:6] if self.argc == 6 else args[6:9])
        self.num_flush_bios = self.num_discard_bios = self.num_write_zeroes_bios = 1

    def _class_ctr(self, argv: list[str]) -> DelayClass:
        """delay_class_ctr(): offset, then delay, then the device."""
        start = sscanf_uint(argv[1], 64)
        if start is None:
            raise TargetError("Invalid device sector")
        delay = sscanf_uint(argv[2], 32)
        if delay is None:
            raise TargetError("Invalid delay")
        dev = self.get_device(argv[0], "Device lookup failed")
        return DelayClass(dev, start, delay)

    # -- I/O ----------------------------------------------------------------------
    def _class_of(self, bio: Bio) -> DelayClass:
        if not bio.op.is_write:
            return self.read
        if bio.opf & Flag.PREFLUSH:
            return self.flush
        return self.write

    def map(self, bio: Bio) -> MapResult:
        c = self._class_of(bio)
        bio.bdev = c.dev
        bio.sector = c.start + self.target_offset(bio.sector)
        if not c.delay or not self.may_delay:
            return MapResult.REMAPPED
        c.ops += 1
        held = HeldBio(bio, c)
        held.timer = self.ctx.timer(c.delay / 1000.0, lambda: self._expire(held))
        self.held[held] = None
        return MapResult.SUBMITTED

    def _expire(self, held: HeldBio) -> None:
        if self.held.pop(held, False) is None:
            self._send(held)

    def _send(self, held: HeldBio) -> None:
        held.cls.ops -= 1
        self.ctx.submit_bio(held.bio)

    def _flush_all(self) -> None:
        """flush_delayed_bios(dc, 1): every held bio, in the order they came."""
        held, self.held = list(self.held), {}
        for entry in held:
            if entry.timer is not None:
                entry.timer.cancel()
        for entry in held:
            self._send(entry)

    # -- suspend / resume -----------------------------------------------------------
    def presuspend(self) -> None:
        self.may_delay = False
        self._flush_all()

    def resume(self) -> None:
        self.may_delay = True

    # -- status -------------------------------------------------------------------
    def status(self, kind: StatusType, flags: int = 0) -> str:
        if kind is StatusType.INFO:
            return f"{self.read.ops} {self.write.ops} {self.flush.ops}"
        parts = [self.read.emit()]
        if self.argc >= 6:
            parts.append(self.write.emit())
        if self.argc >= 9:
            parts.append(self.flush.emit())
        return " ".join(parts)

    def iterate_devices(self):
        return [(c.dev, c.start, self.len) for c in (self.read, self.write, self.flush)]

    def view(self) -> DelayView:
        return DelayView((self.read.delay, self.write.delay, self.flush.delay),
                         (self.read.ops, self.write.ops, self.flush.ops), self.may_delay)
