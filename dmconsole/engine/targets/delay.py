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

from ..bio import Bio, Flag, Op
from ..clock import Timer
from ..errors import TargetError
from ..target import Target, register
from .kparse import sscanf_uint


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

    __slots__ = ("bio", "cls", "sector", "timer")

    def __init__(self, bio: Bio, cls: DelayClass, sector: int):
        self.bio = bio
        self.cls = cls
        self.sector = sector
        self.timer: Timer | None = None


@register
class Delay(Target):
    name = "delay"
    version = (1, 3, 0)

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
            return
        self.write = self._class_ctr(args[3:6])
        self.flush = self._class_ctr(args[3:6] if self.argc == 6 else args[6:9])

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

    def dtr(self) -> None:
        # dm core presuspends a live table before destroying it; send anything still held.
        self._flush_all()

    # -- I/O ----------------------------------------------------------------------
    def _class_of(self, bio: Bio) -> DelayClass:
        if bio.op is Op.READ:
            return self.read
        if bio.op is Op.FLUSH or bio.flags & Flag.PREFLUSH:
            return self.flush
        return self.write

    def map(self, bio: Bio) -> None:
        c = self._class_of(bio)
        sector = c.start + bio.sector if bio.nr_sectors else bio.sector
        if not c.delay or not self.may_delay:
            self.remap(bio, c.dev, sector)
            return
        c.ops += 1
        held = HeldBio(bio, c, sector)
        held.timer = self.clock.call_later(c.delay / 1000.0, lambda: self._expire(held))
        self.held[held] = None

    def _expire(self, held: HeldBio) -> None:
        if self.held.pop(held, False) is None:
            self._send(held)

    def _send(self, held: HeldBio) -> None:
        held.cls.ops -= 1
        self.remap(held.bio, held.cls.dev, held.sector)

    def _flush_all(self) -> None:
        """flush_delayed_bios(dc, 1): every held bio, in the order they came."""
        held, self.held = list(getattr(self, "held", {})), {}
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
    def status_info(self) -> str:
        return f"{self.read.ops} {self.write.ops} {self.flush.ops}"

    def status_table(self) -> str:
        parts = [self.read.emit()]
        if self.argc >= 6:
            parts.append(self.write.emit())
        if self.argc >= 9:
            parts.append(self.flush.emit())
        return " ".join(parts)

    def iterate_devices(self):
        return [(c.dev, c.start, self.len) for c in (self.read, self.write, self.flush)]

    def snapshot_details(self) -> dict:
        return {
            "delays_ms": [self.read.delay, self.write.delay, self.flush.delay],
            "held": [self.read.ops, self.write.ops, self.flush.ops],
            "delaying": self.may_delay,
        }
