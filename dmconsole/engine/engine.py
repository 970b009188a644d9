"""The engine: owns disks, mapped devices, the clock and the kernel log.

Its public methods are the dm ioctls (create, load, clear, suspend, resume,
remove, rename, message, status, wait) plus the lab's own operations. One
thread runs them all: either the caller's (scripts and tests, on a stepped
clock) or the engine thread (the console, on real time times a speed factor).
"""

from __future__ import annotations

import itertools
import queue
import threading
import time as _time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from . import targets as _targets  # noqa: F401 - registers the target types
from .bio import Bio, Flag, Op
from .blockdev import submit_bio, table_has_write_cache
from .clock import Clock
from .device import DEFAULT_READ_AHEAD, MappedDevice, Table
from .disk import Disk, FileStore, SparseStore
from .errors import (
    EBUSY,
    EEXIST,
    EINVAL,
    ENODEV,
    ENOENT,
    ENXIO,
    ERRNO_NAME,
    DMError,
    TargetError,
)
from .klog import KernelLog
from .snapshot import DeviceView, DiskView, EngineSnapshot, EventView, TargetView
from .target import TARGET_TYPES, Target
from .tasks import Task, TaskGen, Until

DM_MAJOR = 253
RAM_MAJOR = 1
DISK_MAJOR = 8
LOOP_MAJOR = 7
DM_NAME_LEN = 128
DM_UUID_LEN = 129
MINORMASK = (1 << 20) - 1
DRIVER_VERSION = (4, 47, 0)
LIBRARY_VERSION = "1.02.185 (2022-05-18)"


class LookupFailed(Exception):
    def __init__(self, err: int):
        super().__init__(err)
        self.errno = err


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


class Engine:
    def __init__(self, dm_major: int = DM_MAJOR, clock: Clock | None = None):
        self.dm_major = dm_major
        self.clock = clock or Clock()
        self.klog = KernelLog(self.clock)
        self.disks: dict[str, Disk] = {}
        self.devices: dict[str, MappedDevice] = {}
        self.brd_loaded = False
        self.brd_size_kib = 4096
        self.background: list[Task] = []
        self.workloads: dict[str, Any] = {}
        self.events: deque[EventView] = deque(maxlen=500)
        self._event_seq = itertools.count(1)
        self._klog_seen = 0
        # threading: the engine thread owns everything once started
        self._thread: threading.Thread | None = None
        self._inbox: queue.Queue = queue.Queue()
        self._stop = threading.Event()
        self._snapshot_lock = threading.Lock()
        self._snapshot: EngineSnapshot | None = None
        self._snapshot_seq = 0
        self.speed = 1.0
        self.paused = False
        self._pending_futures: list[Task] = []

    # =========================================================== block device namespace
    def all_block_devices(self) -> list:
        return list(self.disks.values()) + list(self.devices.values())

    def by_devno(self, major: int, minor: int):
        for dev in self.all_block_devices():
            if dev.major == major and dev.minor == minor:
                return dev
        return None

    def lookup_path(self, path: str):
        """A device by /dev/mapper/NAME, /dev/NAME, /dev/dm-N or maj:min; None if none.

        A mapped device is there only once its gendisk is (its first table load).
        """
        if path.startswith("/dev/mapper/"):
            return self._added(self.devices.get(path[len("/dev/mapper/") :]))
        if path.startswith("/dev/"):
            name = path[len("/dev/") :]
            if name in self.disks:
                return self.disks[name]
            if name.startswith("dm-") and name[3:].isdigit():
                return self._added(self.by_devno(self.dm_major, int(name[3:])))
            return None
        major, sep, minor = path.partition(":")
        if sep and major.isdigit() and minor.isdigit():
            return self._added(self.by_devno(int(major), int(minor)))
        return None

    @staticmethod
    def _added(dev):
        return None if dev is None or (dev.kind == "dm" and not dev.disk_added) else dev

    def lookup_for_table(self, path: str, md: MappedDevice):
        """dm_get_device(): ENODEV for a name that resolves to nothing, ENXIO for a dead maj:min.

        Opening a free maj:min of brd or loop creates that disk, as block device
        autoloading does (it is deprecated and says so).
        """
        dev = self.lookup_path(path)
        if dev is not None:
            return dev
        major, sep, minor = path.partition(":")
        if not (sep and major.isdigit() and minor.isdigit()):
            raise LookupFailed(ENODEV)
        dev = self._autoload(int(major), int(minor))
        if dev is None:
            raise LookupFailed(ENXIO)
        self.klog.log("block device autoloading is deprecated and will be removed.")
        return dev

    def _autoload(self, major: int, minor: int) -> Disk | None:
        """blk_request_module(): brd makes ramN of rd_size, loop makes an empty loopN."""
        if major == RAM_MAJOR:
            if not self.brd_loaded:
                self.modprobe_brd()
            size = self.brd_size_kib * 2
            name = f"ram{minor}"
        elif major == LOOP_MAJOR:
            size, name = 0, f"loop{minor}"
        else:
            return None
        if name in self.disks or minor >= 1 << 20:
            return None
        disk = Disk(name, major, minor, size, clock=self.clock)
        self.disks[name] = disk
        self.note("state", name, f"{name} ({disk.devno}) created on demand")
        return disk

    def open_bdev(self, path: str):
        """open(2) of a block device node: ENOENT with no node, ENXIO for a dm node with no gendisk."""
        dev = self.lookup_path(path)
        if dev is not None:
            return dev
        md = None
        if path.startswith("/dev/mapper/"):
            md = self.devices.get(path[len("/dev/mapper/") :])
        if md is not None and md.node_exists:
            raise DMError(ENXIO)
        raise DMError(ENOENT)

    def open_count(self, dev) -> int:
        """Opens of a block device: user opens plus each table (live or inactive) holding it."""
        count = dev.user_opens
        for md in self.devices.values():
            for table in (md.live, md.inactive):
                if table is not None and dev in table.devices():
                    count += 1
        return count

    def holders(self, dev) -> list[MappedDevice]:
        """Mapped devices whose live table uses ``dev``."""
        return [md for md in self.devices.values() if md.live and dev in md.live.devices()]

    # =========================================================== disks
    def modprobe_brd(self, rd_nr: int = 16, rd_size_kib: int = 4096) -> list[Disk]:
        """Load brd: /dev/ram0.. of rd_size KiB; a second load with other values does nothing."""
        if self.brd_loaded:
            return []
        self.brd_loaded = True
        self.brd_size_kib = rd_size_kib
        made = []
        for index in range(rd_nr):
            disk = Disk(f"ram{index}", RAM_MAJOR, index, rd_size_kib * 2, clock=self.clock)
            self.disks[disk.name] = disk
            made.append(disk)
        self.klog.log("brd: module loaded")
        self.note("state", "", f"brd: {rd_nr} ram disks of {rd_size_kib} KiB")
        return made

    def disk_create(self, name: str, size_sectors: int, path: str | None = None, write_cache: bool = False) -> Disk:
        if not name or "/" in name or name in self.disks or name.startswith("dm-") or name == "mapper":
            raise DMError(EEXIST, f"disk {name!r} already exists or is not a valid name")
        if size_sectors <= 0:
            raise DMError(EINVAL, "disk size must be at least one sector")
        used = {d.minor for d in self.disks.values() if d.major == DISK_MAJOR}
        minor = next(m for m in itertools.count(0, 16) if m not in used)
        store = FileStore(path, size_sectors * 512) if path else SparseStore()
        disk = Disk(name, DISK_MAJOR, minor, size_sectors, store, clock=self.clock)
        disk.write_cache = write_cache
        self.disks[name] = disk
        self.note("state", name, f"disk {name} ({disk.devno}) created, {size_sectors} sectors")
        return disk

    def disk_remove(self, name: str) -> None:
        disk = self.disks.get(name)
        if disk is None:
            raise DMError(ENOENT, f"no disk {name}")
        if self.open_count(disk):
            raise DMError(EBUSY, f"disk {name} is in use")
        disk.store.close()
        del self.disks[name]

    # =========================================================== dm ioctls
    def get_md(self, name: str) -> MappedDevice:
        md = self.find_md(name)
        if md is None:
            raise DMError(ENXIO)
        return md

    def find_md(self, name: str) -> MappedDevice | None:
        if name.startswith("/dev/mapper/"):
            name = name[len("/dev/mapper/") :]
        return self.devices.get(name)

    def find_md_by_uuid(self, uuid: str) -> MappedDevice | None:
        return next((md for md in self.devices.values() if uuid and md.uuid == uuid), None)

    def _free_minor(self) -> int:
        used = {md.minor for md in self.devices.values()}
        return next(m for m in itertools.count() if m not in used)

    def dev_create(self, name: str, uuid: str = "", minor: int | None = None) -> MappedDevice:
        """DM_DEV_CREATE: a new device, suspended, with no table."""
        if not name or len(name) >= DM_NAME_LEN or "/" in name or name in (".", ".."):
            raise DMError(EINVAL)
        if len(uuid) >= DM_UUID_LEN:
            raise DMError(EINVAL)
        if name in self.devices or self.find_md_by_uuid(uuid):
            raise DMError(EBUSY)
        if minor is not None and any(md.minor == minor for md in self.devices.values()):
            raise DMError(EBUSY)
        md = MappedDevice(self, name, self.dm_major, self._free_minor() if minor is None else minor, uuid)
        self.devices[name] = md
        self.note("state", name, f"created {md.devno}")
        return md

    def build_table(self, md: MappedDevice, lines: list[tuple[int, int, str, str]], read_only: bool) -> Table:
        """Construct a table the way dm_table_add_target() does, logging the kernel's reasons."""
        targets: list[Target] = []
        try:
            for start, length, ttype, params in lines:
                targets.append(self._add_target(md, targets, start, length, ttype, params, read_only))
            if not targets:
                self.klog.log("device-mapper: ioctl: populate_table: no targets specified")
                raise DMError(EINVAL)
        except DMError:
            for target in targets:
                target.dtr()
            raise
        table = Table(targets, read_only)
        if md.live is not None:
            old_immutable = next((t for t in md.live.targets if t.immutable), None)
            new_immutable = next((t for t in targets if t.immutable), None)
            wildcard = any(t.wildcard for t in targets)
            if old_immutable and not wildcard and (new_immutable is None or new_immutable.name != old_immutable.name):
                self.klog.log(f"device-mapper: ioctl: can't replace immutable target type {old_immutable.name}")
                table.destroy()
                raise DMError(EINVAL)
        return table

    def _add_target(self, md, targets, start, length, ttype, params, read_only) -> Target:
        name = md.devno
        if targets and targets[0].singleton:
            self._table_error(f"device-mapper: table: {name}: target type {targets[0].name} must appear alone in table")
        if length == 0:
            self._table_error(f"device-mapper: table: {name}: zero-length target")
        if start + length >= 2**64 or start + length > (2**63 - 1) >> 9:
            self._table_error(f"device-mapper: table: {name}: too large device")
        cls = TARGET_TYPES.get(ttype)
        if cls is None:
            self._table_error(f"device-mapper: table: {name}: {ttype}: unknown target type")
        target = cls(self, md, start, length, read_only)
        try:
            if cls.singleton and targets:
                raise TargetError("singleton target type must appear alone in table")
            if cls.always_writeable and read_only:
                raise TargetError("target type may not be included in a read-only table")
            immutable = next((t for t in targets if t.immutable), None)
            if (immutable and immutable.name != cls.name) or (cls.immutable and targets and not immutable):
                raise TargetError("immutable target type cannot be mixed with other target types")
            expected = targets[-1].begin + targets[-1].len if targets else 0
            if start != expected:
                raise TargetError("Gap in table")
            target.ctr(split_args(params))
        except TargetError as err:
            target.dtr()
            self._table_error(
                f"device-mapper: table: {name}: {ttype}: {err.reason} (-{ERRNO_NAME.get(err.errno, err.errno)})",
                err.errno,
            )
        except LookupFailed as err:  # a target that did not catch its own lookup failure
            target.dtr()
            self._table_error(
                f"device-mapper: table: {name}: {ttype}: Device lookup failed (-{ERRNO_NAME[err.errno]})", err.errno
            )
        return target

    def _table_error(self, text: str, err: int = EINVAL):
        self.klog.log(text)
        self.klog.log("device-mapper: ioctl: error adding target to table")
        raise DMError(err)

    def table_load(self, name: str, lines: list[tuple[int, int, str, str]], read_only: bool = False) -> None:
        """DM_TABLE_LOAD: build the table into the inactive slot, replacing any staged one."""
        md = self.get_md(name)
        table = self.build_table(md, lines, read_only)
        if not md.disk_added:
            # The first table fixes md->type and sets the queue up, which adds the gendisk.
            if self._check_device_areas(md, table):
                table.destroy()
                self.klog.log("device-mapper: core: Cannot calculate initial queue limits")
                self.klog.log("device-mapper: ioctl: unable to set up device queue for new table.")
                raise DMError(EINVAL)
            md.disk_added = md.node_exists = True
        old, md.inactive = md.inactive, table
        if old is not None:
            old.destroy()
            self._deferred_removals()
        self.note("state", md.name, "table loaded (inactive)")

    def table_clear(self, name: str) -> None:
        md = self.get_md(name)
        if md.inactive is not None:
            md.inactive.destroy()
            md.inactive = None
            self._deferred_removals()
        self.note("state", md.name, "inactive table cleared")

    def dev_suspend(self, name: str, noflush: bool = False) -> TaskGen:
        """DM_DEV_SUSPEND: presuspend, hold new I/O, wait for in-flight I/O, postsuspend."""
        md = self.get_md(name)
        if md.suspended:
            return
        yield from self._suspend(md, noflush)
        self.note("state", md.name, "suspended" + (" (noflush)" if noflush else ""))

    def _suspend(self, md: MappedDevice, noflush: bool) -> TaskGen:
        md.noflush_suspend = noflush
        targets = md.live.targets if md.live else []
        for target in targets:
            target.presuspend()
        md.suspended = True
        if md.in_flight:
            yield Until(lambda: md.in_flight == 0, f"in-flight I/O on {md.name}")
        for target in targets:
            target.postsuspend()

    def dev_resume(self, name: str, noflush: bool = False) -> TaskGen:
        """DM_DEV_SUSPEND (resume): swap in the inactive table, then preresume/resume and release I/O.

        ``noflush`` (DM_NOFLUSH_FLAG) applies to the suspend a table swap does first.
        """
        md = self.get_md(name)
        if not md.suspended:
            md.noflush_suspend = noflush
        if md.inactive is not None:
            new = md.inactive
            md.inactive = None
            if not md.suspended:
                yield from self._suspend(md, md.noflush_suspend)
            bad = self._check_device_areas(md, new)
            if bad:
                new.destroy()
                raise DMError(EINVAL)
            io_opt = new.io_opt_sectors()  # from the queue limits the devices have now
            write_cache = table_has_write_cache(new.devices())
            old, md.live = md.live, new
            md.read_only = new.read_only
            md.queue_io_opt = io_opt
            md.write_cache = write_cache
            md.read_ahead = max(DEFAULT_READ_AHEAD, 2 * io_opt)
            if old is not None:
                old.destroy()
                self._deferred_removals()
        md.node_exists = True  # dmsetup makes /dev/mapper/NAME at resume
        if not md.suspended:
            return
        if md.live is None or md.live.size == 0:
            raise DMError(EINVAL)
        for target in md.live.targets:
            try:
                target.preresume()
            except TargetError as err:
                raise DMError(err.errno, err.reason) from None
        for target in md.live.targets:
            target.resume()
        md.suspended = False
        md.noflush_suspend = False
        self.note("state", md.name, "resumed")
        md.release_held()

    def _check_device_areas(self, md: MappedDevice, table: Table) -> bool:
        """device_area_is_invalid() for every target: True (and a kernel line) if one reaches past its device."""
        for target in table.targets:
            for dev, start, length in target.iterate_devices():
                size = dev.size_sectors
                if size and (start >= size or start + length > size):
                    self.klog.log(
                        f"device-mapper: table: {md.devno}: {dev.kernel_name} too small for target: "
                        f"start={start}, len={length}, dev_size={size}"
                    )
                    return True
        return False

    def make_node(self, name: str) -> None:
        """dm_mknodes(): /dev/mapper/NAME exists from now on (an open still needs the gendisk)."""
        self.get_md(name).node_exists = True

    def set_read_ahead(self, name: str, sectors: int) -> None:
        """BLKRASET / sysfs read_ahead_kb on the device."""
        self.get_md(name).read_ahead = sectors

    def dev_remove(self, name: str, deferred: bool = False) -> None:
        """DM_DEV_REMOVE: refused while open; with DM_DEFERRED_REMOVE an open device is marked
        instead, and goes at its last close."""
        md = self.get_md(name)
        if self.open_count(md):
            if deferred:
                md.deferred_remove = True
                self.note("state", md.name, "deferred remove: goes at its last close")
                return
            raise DMError(EBUSY)
        self._destroy(md)

    def remove_all(self) -> int:
        """DM_REMOVE_ALL: remove every device nobody holds, in name order, until none is left to
        remove; returns (and logs) how many open ones are left."""
        while True:
            unused = next((md for _, md in sorted(self.devices.items()) if not self.open_count(md)), None)
            if unused is None:
                break
            self._destroy(unused)
        left = len(self.devices)
        if left:
            self.klog.log(f"device-mapper: ioctl: remove_all left {left} open device(s)")
        return left

    def hold_bdev(self, dev) -> None:
        """A user's open of a block device found by open_bdev(): it counts until close_bdev()."""
        dev.user_opens += 1

    def close_bdev(self, dev) -> None:
        """A user's close of a block device (dm_blk_close: a deferred remove may now happen)."""
        dev.user_opens -= 1
        self._deferred_removals()

    def _deferred_removals(self) -> None:
        """dm_deferred_remove(): devices marked for removal that nobody holds any more go now."""
        progress = True
        while progress:
            progress = False
            for md in list(self.devices.values()):
                if md.deferred_remove and not self.open_count(md):
                    self._destroy(md)
                    progress = True

    def _destroy(self, md: MappedDevice) -> None:
        for table in (md.live, md.inactive):
            if table is not None:
                table.destroy()
        md.live = md.inactive = None
        held, md.held_bios = md.held_bios, []
        for bio in held:
            bio.endio(-5)
        del self.devices[md.name]
        self.note("state", md.name, "removed")
        self._deferred_removals()  # the tables dropped may have held the last open of a marked device

    def dev_rename(self, name: str, new_name: str | None = None, new_uuid: str | None = None) -> None:
        md = self.find_md(name)
        if md is None:
            target = f"uuid {new_uuid}" if new_uuid is not None else new_name
            self.klog.log(f"device-mapper: ioctl: Unable to rename non-existent device, {name} to {target}")
            raise DMError(ENXIO)
        if new_uuid is not None:
            if md.uuid:
                self.klog.log(
                    f"device-mapper: ioctl: Unable to change uuid of mapped device {md.name} to {new_uuid} "
                    "because uuid is already set."
                )
                raise DMError(EINVAL)
            if self.find_md_by_uuid(new_uuid):
                raise DMError(EBUSY)
            md.uuid = new_uuid
        else:
            if not new_name or len(new_name) >= DM_NAME_LEN or "/" in new_name:
                raise DMError(EINVAL)
            if new_name in self.devices:
                self.klog.log(
                    f"device-mapper: ioctl: Unable to change name on mapped device {md.name} "
                    f"to one that already exists: {new_name}"
                )
                raise DMError(EBUSY)
            del self.devices[md.name]
            old = md.name
            md.name = new_name
            self.devices[new_name] = md
            self.note("state", new_name, f"renamed from {old}")
        if md.live is not None:
            self.device_event(md, "rename")

    def target_message(self, name: str, sector: int, argv: list[str]) -> str | None:
        """DM_TARGET_MSG: route by sector to the live table's target."""
        md = self.get_md(name)
        if not argv:
            self.klog.log("device-mapper: ioctl: Empty message received.")
            raise DMError(EINVAL)
        if argv[0].startswith("@"):
            if argv[0] == "@cancel_deferred_remove":
                md.deferred_remove = False
                return None
            self.klog.log(f"device-mapper: ioctl: Unsupported message sent to DM core: {argv[0]}")
            raise DMError(EINVAL)
        table = md.live
        if table is None:
            raise DMError(ENXIO)
        if sector >= table.size:
            self.klog.log("device-mapper: ioctl: Target message sector outside device.")
            raise DMError(EINVAL)
        target = table.find(sector)
        if not target.has_message:
            self.klog.log("device-mapper: ioctl: Target type does not support messages")
            raise DMError(EINVAL)
        try:
            reply = target.message(argv)
        except TargetError as err:
            raise DMError(err.errno, err.reason) from None
        return reply

    def table_lines(
        self, md: MappedDevice, inactive: bool = False, status: bool = False
    ) -> list[tuple[int, int, str, str]]:
        """The (start, len, type, params) rows of DM_TABLE_STATUS."""
        table = md.inactive if inactive else md.live
        if table is None:
            return []
        rows = []
        for target in table.targets:
            params = target.status_info() if status else target.status_table()
            rows.append((target.begin, target.len, target.name, params))
        return rows

    def dev_wait(self, name: str, event_nr: int) -> TaskGen:
        """DM_DEV_WAIT: sleep until the device's event counter differs from ``event_nr``."""
        md = self.get_md(name)
        yield Until(lambda: md.event_nr != event_nr or md.name not in self.devices, f"event on {md.name}")
        if md.name not in self.devices or self.devices[md.name] is not md:
            raise DMError(ENXIO)

    # =========================================================== events
    def table_event(self, target: Target) -> None:
        md = target.md
        if md.live is not None and target in md.live.targets:
            self.device_event(md, f"{target.name} event")

    def device_event(self, md: MappedDevice, why: str) -> None:
        md.event_nr += 1
        self.note("event", md.name, f"event {md.event_nr}: {why}")

    def note(self, kind: str, device: str, text: str) -> None:
        """Record something for the front ends' event log."""
        self.events.append(EventView(next(self._event_seq), self.clock.now, kind, device, text))

    def _collect_klog(self) -> None:
        for line in self.klog.lines(self._klog_seen):
            self._klog_seen = line.seq
            self.events.append(EventView(next(self._event_seq), line.time, "klog", "", line.text))

    # =========================================================== user I/O
    def submit(
        self, dev, op: Op, sector: int, nr_sectors: int, data: memoryview | None = None, flags: Flag = Flag.NONE
    ) -> Bio:
        bio = Bio(op, sector, nr_sectors, data, flags)
        submit_bio(dev, bio, self.klog)
        return bio

    # =========================================================== background tasks and stepping
    def spawn(self, gen: TaskGen, name: str = "", future: Future | None = None) -> Task:
        """Run a task in the background: it moves whenever the engine is pumped."""
        task = Task(gen, name, future)
        if not task.step():
            self.background.append(task)
        return task

    def pump(self) -> None:
        """Give every background task the chance to move on."""
        progressed = True
        while progressed and self.background:
            progressed = False
            for task in list(self.background):
                if task.step():
                    self.background.remove(task)
                    progressed = True
        self._collect_klog()

    def run(self, gen: TaskGen, bound: float = 600.0) -> tuple[bool, Any]:
        """Drive ``gen`` to its end on the stepped clock, advancing time while it waits.

        Returns (finished, result). Gives up when nothing is due before ``bound``
        seconds of lab time have passed; the task is then left running in the
        background, as a process that is still stuck in the kernel.
        """
        task = Task(gen)
        deadline = self.clock.now + bound
        while True:
            finished = task.step()
            self.pump()
            if finished:
                if task.exception:
                    raise task.exception
                return True, task.result
            due = self.clock.next_due()
            if due is None or due > deadline:
                # Sit there until the bound, as the real command would, then give up on it.
                self.clock.advance_to(deadline, self.pump)
                if task.step():
                    if task.exception:
                        raise task.exception
                    return True, task.result
                self.background.append(task)
                return False, task.waiting.what if task.waiting else ""
            self.clock.advance_to(due, self.pump)

    def advance(self, seconds: float) -> None:
        """Let lab time pass: every timer, workload and background task runs in order."""
        self.clock.advance(seconds, self.pump)
        self.pump()

    # =========================================================== snapshots
    def make_snapshot(self) -> EngineSnapshot:
        self._collect_klog()
        self._snapshot_seq += 1
        devices = tuple(self._device_view(md) for md in sorted(self.devices.values(), key=lambda m: m.name))
        disks = tuple(
            DiskView(
                d.name,
                d.major,
                d.minor,
                d.size_sectors,
                self.open_count(d),
                d.faults.describe(),
                d.store.bytes_stored,
                d.reads,
                d.writes,
                d.errors,
                d.write_cache,
                len(d.cached),
            )
            for d in sorted(self.disks.values(), key=lambda d: (d.major, d.minor))
        )
        workloads = tuple(w.view() for w in self.workloads.values())
        return EngineSnapshot(
            self._snapshot_seq, self.clock.now, self.speed, self.paused, devices, disks, workloads, tuple(self.events)
        )

    def _device_view(self, md: MappedDevice) -> DeviceView:
        live = []
        if md.live is not None:
            for t in md.live.targets:
                live.append(TargetView(t.begin, t.len, t.name, t.status_table(), t.status_info(), t.snapshot_details()))
        deps = tuple(d.devno for d in md.live.devices()) if md.live else ()
        return DeviceView(
            md.name,
            md.major,
            md.minor,
            md.uuid,
            md.suspended,
            md.read_only,
            self.open_count(md),
            md.event_nr,
            md.size_sectors,
            tuple(live),
            md.inactive is not None,
            deps,
            len(md.held_bios),
            md.in_flight,
        )

    def snapshot(self) -> EngineSnapshot:
        """The latest published snapshot (thread-safe); makes one when no thread runs."""
        if self._thread is None:
            return self.make_snapshot()
        with self._snapshot_lock:
            return self._snapshot  # type: ignore[return-value]

    # =========================================================== the engine thread
    def start(self, speed: float = 1.0) -> None:
        """Hand the engine to its own thread, on a real-time clock times ``speed``."""
        self.speed = speed
        self._snapshot = self.make_snapshot()
        self._thread = threading.Thread(target=self._thread_main, name="dm-engine", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is None:
            return
        self._stop.set()
        self._inbox.put(None)
        self._thread.join(timeout=5)
        self._thread = None

    @property
    def threaded(self) -> bool:
        return self._thread is not None

    def submit_call(self, fn: Callable[[], Any]) -> Future:
        """Run ``fn`` on the engine thread; if it returns a generator, run that as a task."""
        future: Future = Future()
        if self._thread is None:
            self._execute(fn, future)
            return future
        self._inbox.put((fn, future))
        return future

    def _execute(self, fn: Callable[[], Any], future: Future) -> None:
        try:
            result = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller through the future
            future.set_exception(exc)
            return
        if hasattr(result, "send") and hasattr(result, "throw"):
            self.spawn(result, "call", future)
        else:
            future.set_result(result)

    def _thread_main(self) -> None:
        last_real = _time.monotonic()
        last_publish = 0.0
        while not self._stop.is_set():
            due = self.clock.next_due()
            wait = 0.05
            if due is not None and not self.paused and self.speed > 0:
                wait = max(0.0, min(wait, (due - self.clock.now) / self.speed))
            try:
                item = self._inbox.get(timeout=wait)
            except queue.Empty:
                item = None
            now_real = _time.monotonic()
            elapsed, last_real = now_real - last_real, now_real
            if item is not None:
                fn, future = item
                self._execute(fn, future)
            if not self.paused:
                self.clock.advance(elapsed * self.speed, self.pump)
            self.pump()
            if now_real - last_publish >= 0.05 or item is not None:
                snap = self.make_snapshot()
                with self._snapshot_lock:
                    self._snapshot = snap
                last_publish = now_real
