"""dm tables: building one line by line as dm_table_add_target() does, and the queue limits it stacks
(dm_calculate_queue_limits()), with the kernel's log lines for every refusal and warning."""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING, Any, Protocol

from ..block.devices import LookupFailed
from ..block.limits import QueueLimits, stack_limits, stacking_limits
from ..core.errno import EINVAL, ERRNO_NAME, DMError, TargetError
from .target import Target, TargetContext, target_type

if TYPE_CHECKING:
    from ..block.devices import BlockDevices
    from ..core.clock import Clock
    from ..core.klog import KernelLog
    from ..core.waits import Scheduler

Row = tuple[int, int, str, str]  # start, length, type, parameters


class DmServices(Protocol):
    """What a mapped device needs of the device-mapper driver that owns it."""

    clock: Clock
    klog: KernelLog
    scheduler: Scheduler
    block: BlockDevices

    def note(self, kind: str, device: str, text: str) -> None: ...


class TableOwner(Protocol):
    """The mapped device a table is built for (``struct mapped_device`` as dm-table.c sees it)."""

    minor: int
    dm: DmServices
    live: Table | None

    @property
    def devno(self) -> str: ...

    def table_event(self, table: Table, type_name: str) -> None: ...


def split_args(params: str) -> list[str]:
    """dm_split_args(): whitespace-separated words, a backslash escapes the next character."""
    words: list[str] = []
    current: list[str] = []
    in_word = escaped = False
    for ch in params:
        if escaped:
            current.append(ch)
            escaped = False
            in_word = True
        elif ch == "\\":
            escaped = True
            in_word = True
        elif ch.isspace():
            if in_word:
                words.append("".join(current))
                current, in_word = [], False
        else:
            current.append(ch)
            in_word = True
    if in_word:
        words.append("".join(current))
    return words


class Table:
    """A loaded table: targets in sector order, contiguous from 0, and the devices they hold."""

    def __init__(self, md: TableOwner, read_only: bool):
        self.md = md
        self.read_only = read_only
        self.targets: list[Target] = []
        self.devices: dict[Any, None] = {}  # each device the table holds, once, in the order first got
        self._starts: list[int] = []
        self._destroyed = False

    @property
    def size(self) -> int:
        last = self.targets[-1] if self.targets else None
        return last.begin + last.len if last else 0

    def find(self, sector: int) -> Target:
        return self.targets[bisect.bisect_right(self._starts, sector) - 1]

    def get_device(self, path: str) -> Any:
        """dm_get_device(): look the device up; the table holds it (an open) until it is destroyed."""
        dev = self.md.dm.block.lookup_for_table(path)
        if dev not in self.devices:
            self.devices[dev] = None
            dev.holders += 1
        return dev

    def destroy(self) -> None:
        """dm_table_destroy(): every target's dtr, then the devices are put."""
        if self._destroyed:
            return
        self._destroyed = True
        for target in self.targets:
            target.ctx.shut_down()
            try:
                target.dtr()
            except Exception as exc:  # noqa: BLE001 - a bug in target code must not stop the engine
                target.ctx.bug("dtr", exc)
        for dev in self.devices:
            dev.holders -= 1
        self.devices = {}

    # -- building ---------------------------------------------------------------------
    def add_target(self, start: int, length: int, type_name: str, params: str) -> None:
        """dm_table_add_target(): the checks, then the constructor; DMError (logged as the kernel does)."""
        name = self.md.devno
        targets = self.targets
        if targets and targets[0].singleton:
            self._error(f"device-mapper: table: {name}: target type {targets[0].name} must appear alone in table")
        if length == 0:
            self._error(f"device-mapper: table: {name}: zero-length target")
        if start + length >= 2**64 or start + length > (2**63 - 1) >> 9:
            self._error(f"device-mapper: table: {name}: too large device")
        cls = target_type(type_name)
        if cls is None:
            self._error(f"device-mapper: table: {name}: {type_name}: unknown target type")
        target = cls(self._context(type_name), start, length, self.read_only)
        try:
            self._check_rules(cls, start)
            target.ctr(split_args(params))
        except TargetError as err:
            self._failed(target, err.reason, err.errno)
        except LookupFailed as err:  # a target that did not catch its own lookup failure
            self._failed(target, "Device lookup failed", err.errno)
        except Exception as exc:  # noqa: BLE001 - a bug in a constructor fails the load, not the engine
            target.ctx.bug("ctr", exc)
            self._failed(target, "constructor failed", EINVAL)
        targets.append(target)
        self._starts.append(start)

    def _context(self, type_name: str) -> TargetContext:
        md = self.md
        dm = md.dm
        return TargetContext(
            clock=dm.clock, klog=dm.klog, scheduler=dm.scheduler, device_name=md.devno,
            get_device=self.get_device, event=lambda: md.table_event(self, type_name),
            submit_bio=dm.block.submit_bio, owner=f"dm-{md.minor} {type_name}",
        )

    def _check_rules(self, cls: type[Target], start: int) -> None:
        targets = self.targets
        if cls.singleton and targets:
            raise TargetError("singleton target type must appear alone in table")
        if cls.always_writeable and self.read_only:
            raise TargetError("target type may not be included in a read-only table")
        immutable = next((t for t in targets if t.immutable), None)
        if (immutable and immutable.name != cls.name) or (cls.immutable and targets and not immutable):
            raise TargetError("immutable target type cannot be mixed with other target types")
        expected = targets[-1].begin + targets[-1].len if targets else 0
        if start != expected:
            raise TargetError("Gap in table")

    def _failed(self, target: Target, reason: str, errno: int) -> None:
        target.ctx.shut_down()
        try:
            target.dtr()
        except Exception as exc:  # noqa: BLE001
            target.ctx.bug("dtr", exc)
        self._error(
            f"device-mapper: table: {self.md.devno}: {target.name}: {reason} (-{ERRNO_NAME.get(errno, errno)})", errno)

    def _error(self, text: str, err: int = EINVAL):
        klog = self.md.dm.klog
        klog.log(text)
        klog.log("device-mapper: ioctl: error adding target to table")
        raise DMError(err)

    def complete(self) -> None:
        """After the last line: an empty table is refused."""
        if not self.targets:
            self.md.dm.klog.log("device-mapper: ioctl: populate_table: no targets specified")
            raise DMError(EINVAL)

    # -- queue limits -----------------------------------------------------------------
    def calculate_queue_limits(self) -> QueueLimits | None:
        """dm_calculate_queue_limits(): the table's limits, or None (logged) when a device area is invalid
        or the targets do not line up with the logical block size."""
        limits = stacking_limits()
        klog = self.md.dm.klog
        for target in self.targets:
            target_limits = self._device_limits(target)
            target.io_hints(target_limits)
            if self._invalid_area(target, target_limits):
                return None
            if not stack_limits(limits, target_limits, 0):
                klog.log(f"device-mapper: table: {self.md.devno}: adding target device (start sect {target.begin} "
                         f"len {target.len}) caused an alignment inconsistency")
        if not self._aligned_to_logical_blocks(limits):
            return None
        return limits

    def _device_limits(self, target: Target) -> QueueLimits:
        """iterate_devices(dm_set_device_limits): the target's devices stacked, warning of misalignment."""
        target_limits = stacking_limits()
        for dev, start, _length in target.iterate_devices():
            bottom = dev.limits
            if not stack_limits(target_limits, bottom, start):
                self.md.dm.klog.log(
                    f"device-mapper: table: {self.md.devno}: adding target device {dev.kernel_name} caused an "
                    f"alignment inconsistency: physical_block_size={bottom.physical_block_size}, "
                    f"logical_block_size={bottom.logical_block_size}, alignment_offset={bottom.alignment_offset}, "
                    f"start={start << 9}")
        return target_limits

    def _invalid_area(self, target: Target, limits: QueueLimits) -> bool:
        """device_area_is_invalid() for each device area of the target (logged)."""
        klog = self.md.dm.klog
        lbs_sectors = limits.logical_block_size >> 9
        for dev, start, length in target.iterate_devices():
            size = dev.size_sectors
            if not size:
                continue
            if start >= size or start + length > size:
                klog.log(f"device-mapper: table: {self.md.devno}: {dev.kernel_name} too small for target: "
                         f"start={start}, len={length}, dev_size={size}")
                return True
            if lbs_sectors <= 1:
                continue
            if start & (lbs_sectors - 1):
                klog.log(f"device-mapper: table: {self.md.devno}: start={start} not aligned to h/w logical block "
                         f"size {limits.logical_block_size} of {dev.kernel_name}")
                return True
            if length & (lbs_sectors - 1):
                klog.log(f"device-mapper: table: {self.md.devno}: len={length} not aligned to h/w logical block "
                         f"size {limits.logical_block_size} of {dev.kernel_name}")
                return True
        return False

    def _aligned_to_logical_blocks(self, limits: QueueLimits) -> bool:
        """validate_hardware_logical_block_alignment(): the targets, end to end, fall on logical blocks."""
        device_lbs = limits.logical_block_size >> 9
        next_start = remaining = 0
        index = 0
        while index < len(self.targets):
            target = self.targets[index]
            target_limits = self._device_limits(target)
            if remaining < target.len and remaining & ((target_limits.logical_block_size >> 9) - 1):
                break
            next_start = (next_start + target.len) & (device_lbs - 1)
            remaining = device_lbs - next_start if next_start else 0
            index += 1
        if remaining:
            index = min(index, len(self.targets) - 1)
            target = self.targets[index]
            self.md.dm.klog.log(
                f"device-mapper: table: {self.md.devno}: table line {index} (start sect {target.begin} len "
                f"{target.len}) not aligned to h/w logical block size {limits.logical_block_size}")
            return False
        return True


def build_table(md: TableOwner, rows: list[Row], read_only: bool) -> Table:
    """populate_table(): every line, then the checks on the whole table; DMError with nothing left held."""
    table = Table(md, read_only)
    try:
        for start, length, type_name, params in rows:
            table.add_target(start, length, type_name, params)
        table.complete()
        _check_immutable_replacement(md, table)
    except DMError:
        table.destroy()
        raise
    return table


def _check_immutable_replacement(md: TableOwner, table: Table) -> None:
    """dm_table_complete()'s check against the live table: an immutable type stays (unless the new one is a
    wildcard such as error)."""
    if md.live is None:
        return
    old = next((t for t in md.live.targets if t.immutable), None)
    new = next((t for t in table.targets if t.immutable), None)
    wildcard = any(t.wildcard for t in table.targets)
    if old and not wildcard and (new is None or new.name != old.name):
        md.dm.klog.log(f"device-mapper: ioctl: can't replace immutable target type {old.name}")
        raise DMError(EINVAL)
