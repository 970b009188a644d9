"""The dm ioctls (drivers/md/dm-ioctl.c of Linux 6.1): what dmsetup asks of the kernel, and what it gets back.

``DeviceMapper`` is the driver: it owns the mapped devices and answers each ioctl
as the kernel does, with its errno and its log lines. What it returns is what the
ioctl returns: ``DmInfo`` (``struct dm_ioctl`` as ``__dev_status()`` fills it),
table and status rows, dependencies as device numbers, names, versions, a
message's reply. dmsetup and the front ends read only these.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..core.errno import EBUSY, EINVAL, ENXIO, DMError, TargetError
from ..core.waits import TaskGen
from .device import DEFAULT_READ_AHEAD, MappedDevice
from .table import Row, Table, build_table, split_args
from .target import STATUS_NOFLUSH, StatusType, list_versions, takes_messages

if TYPE_CHECKING:
    from ..block.devices import BlockDevices
    from ..core.clock import Clock
    from ..core.klog import KernelLog
    from ..core.waits import Scheduler

__all__ = ["DRIVER_VERSION", "DeviceMapper", "DeviceRef", "DmInfo", "StatusType", "TableRow"]

DM_NAME_LEN = 128
DM_UUID_LEN = 129
DRIVER_VERSION = (4, 47, 0)


@dataclass(frozen=True)
class DeviceRef:
    """How an ioctl names its device: by name, by uuid or by number (``__find_device_hash_cell()``)."""

    name: str = ""
    uuid: str = ""
    major: int | None = None
    minor: int | None = None


@dataclass(frozen=True)
class DmInfo:
    """``struct dm_ioctl`` after ``__dev_status()``: what DM_DEV_STATUS and most other ioctls return."""

    name: str
    uuid: str
    major: int
    minor: int
    suspended: bool
    read_only: bool
    deferred_remove: bool
    live_table: bool
    inactive_table: bool
    open_count: int
    event_nr: int
    target_count: int


@dataclass(frozen=True)
class TableRow:
    """One target of DM_TABLE_STATUS: start, length, type and its table or status text."""

    start: int
    length: int
    type: str
    params: str


class DeviceMapper:
    """The device-mapper driver of one lab: its mapped devices and its ioctls."""

    def __init__(self, *, major: int, clock: Clock, klog: KernelLog, scheduler: Scheduler, block: BlockDevices,
                 note: Callable[[str, str, str], None]):
        self.major = major
        self.clock = clock
        self.klog = klog
        self.scheduler = scheduler
        self.block = block
        self.note = note
        self.devices: dict[str, MappedDevice] = {}
        block.dm_major = major
        block.on_close.append(self._deferred_removals)

    # ------------------------------------------------------------------ finding devices
    def find(self, ref: str | DeviceRef) -> MappedDevice | None:
        """__find_device_hash_cell(): by name, by uuid or by device number (a task names it one way)."""
        if isinstance(ref, str):
            return self.devices.get(ref)
        if ref.name:
            return self.devices.get(ref.name)
        if ref.uuid:
            return self.find_by_uuid(ref.uuid)
        if ref.major is not None and ref.minor is not None:
            if ref.major != self.major:
                return None
            return next((md for md in self.devices.values() if md.minor == ref.minor), None)
        return None

    def get(self, ref: str | DeviceRef) -> MappedDevice:
        md = self.find(ref)
        if md is None:
            raise DMError(ENXIO)
        return md

    def find_by_uuid(self, uuid: str) -> MappedDevice | None:
        return next((md for md in self.devices.values() if uuid and md.uuid == uuid), None)

    def info(self, md: MappedDevice, query_inactive: bool = False) -> DmInfo:
        """__dev_status(); with DM_QUERY_INACTIVE_TABLE_FLAG the target count and read-only flag come from the
        inactive table."""
        count = len(md.live.targets) if md.live else 0
        read_only = md.read_only
        if query_inactive:
            count = len(md.inactive.targets) if md.inactive else 0
            read_only = read_only or bool(md.inactive and md.inactive.read_only)
        return DmInfo(md.name, md.uuid, md.major, md.minor, md.suspended, read_only, md.deferred_remove,
                      md.live is not None, md.inactive is not None, md.open_count, md.event_nr, count)

    # ------------------------------------------------------------------ DM_DEV_CREATE, DM_DEV_REMOVE, DM_REMOVE_ALL
    def dev_create(self, name: str, uuid: str = "", minor: int | None = None) -> DmInfo:
        """DM_DEV_CREATE: a new device, active, with no table."""
        if not name or len(name) >= DM_NAME_LEN or not self._check_name(name):
            raise DMError(EINVAL)
        if len(uuid) >= DM_UUID_LEN:
            raise DMError(EINVAL)
        if name in self.devices or self.find_by_uuid(uuid):
            raise DMError(EBUSY)
        used = {md.minor for md in self.devices.values()}
        if minor is not None and minor in used:
            raise DMError(EBUSY)
        if minor is None:
            minor = next(m for m in itertools.count() if m not in used)
        md = MappedDevice(self, name, self.major, minor, uuid)
        self.devices[name] = md
        self.note("state", name, f"created {md.devno}")
        return self.info(md)

    def dev_remove(self, ref: str | DeviceRef, deferred: bool = False) -> None:
        """DM_DEV_REMOVE: refused while open; with DM_DEFERRED_REMOVE an open device is marked instead, and
        goes at its last close."""
        md = self.get(ref)
        if md.open_count:
            if deferred:
                md.deferred_remove = True
                self.note("state", md.name, "deferred remove: goes at its last close")
                return
            raise DMError(EBUSY)
        self._destroy(md)

    def remove_all(self) -> int:
        """DM_REMOVE_ALL: remove every device nobody holds, in name order, until none is left to remove;
        returns (and logs) how many open ones are left."""
        while True:
            unused = next((md for _, md in sorted(self.devices.items()) if not md.open_count), None)
            if unused is None:
                break
            self._destroy(unused)
        left = len(self.devices)
        if left:
            self.klog.log(f"device-mapper: ioctl: remove_all left {left} open device(s)")
        return left

    def _deferred_removals(self) -> None:
        """dm_deferred_remove(): devices marked for removal that nobody holds any more go now."""
        progress = True
        while progress:
            progress = False
            for md in list(self.devices.values()):
                if md.deferred_remove and not md.open_count:
                    self._destroy(md)
                    progress = True

    def _destroy(self, md: MappedDevice) -> None:
        """__dm_destroy(): the name goes at once; a live table that was not suspended is presuspended and
        postsuspended first (a delay target sends what it holds), then the tables are destroyed."""
        del self.devices[md.name]
        if self.block.mapper_node(md.name) == (md.major, md.minor):
            self.block.remove_mapper_node(md.name)
        self.block.del_gendisk(md)
        md.events.wake_up()  # a `dmsetup wait` on it ends (ENXIO)
        self.note("state", md.name, "removed")
        self.scheduler.spawn(self._teardown(md), f"remove {md.name}")

    def _teardown(self, md: MappedDevice) -> TaskGen:
        if md.live is not None and not md.suspended:
            yield from md.quiesce()
        for table in (md.live, md.inactive):
            if table is not None:
                table.destroy()
        md.live = md.inactive = None
        md.fail_held()
        self._deferred_removals()  # the tables dropped may have held the last open of a marked device

    # ------------------------------------------------------------------ DM_DEV_RENAME
    def dev_rename(self, ref: str | DeviceRef, new_name: str | None = None, new_uuid: str | None = None) -> DmInfo:
        """DM_DEV_RENAME: a new name, or (DM_UUID_FLAG) a uuid for a device that has none.

        As dm_hash_rename() does it: the new name or uuid must be free (checked first), then the device
        is looked up by its name only (a task naming it by uuid or number finds nothing).
        """
        name = ref if isinstance(ref, str) else ref.name
        change_uuid = new_uuid is not None
        new = new_uuid if change_uuid else new_name
        if not new or len(new) > (DM_UUID_LEN if change_uuid else DM_NAME_LEN) - 1:
            self.klog.log("device-mapper: ioctl: Invalid new mapped device name or uuid string supplied.")
            raise DMError(EINVAL)
        if not change_uuid and not self._check_name(new):
            raise DMError(EINVAL)
        taken = self.find_by_uuid(new) if change_uuid else self.devices.get(new)
        if taken is not None:
            self.klog.log(f"device-mapper: ioctl: Unable to change {'uuid' if change_uuid else 'name'} on mapped "
                          f"device {name} to one that already exists: {new}")
            raise DMError(EBUSY)
        md = self.devices.get(name)
        if md is None:
            self.klog.log(f"device-mapper: ioctl: Unable to rename non-existent device, {name} to "
                          f"{'uuid ' if change_uuid else ''}{new}")
            raise DMError(ENXIO)
        if change_uuid:
            if md.uuid:
                self.klog.log(f"device-mapper: ioctl: Unable to change uuid of mapped device {name} to {new} "
                              f"because uuid is already set to {md.uuid}")
                raise DMError(EINVAL)
            md.uuid = new
        else:
            old = md.name
            del self.devices[old]
            md.name = new
            self.devices[new] = md
            if self.block.mapper_node(old) == (md.major, md.minor):
                self.block.remove_mapper_node(old)
                self.block.make_mapper_node(new, md.major, md.minor)
            self.note("state", new, f"renamed from {old}")
        if md.live is not None:
            md.event("rename")
        return self.info(md)

    def _check_name(self, name: str) -> bool:
        """check_name(): no '/', and not "control", "." or ".." (logged)."""
        if "/" in name:
            self.klog.log("device-mapper: ioctl: invalid device name")
            return False
        if name in ("control", ".", ".."):
            self.klog.log('device-mapper: ioctl: device name cannot be "control", ".", or ".."')
            return False
        return True

    # ------------------------------------------------------------------ DM_TABLE_LOAD, DM_TABLE_CLEAR
    def table_load(self, ref: str | DeviceRef, rows: list[Row], read_only: bool = False) -> DmInfo:
        """DM_TABLE_LOAD: build the table into the inactive slot, replacing any staged one."""
        md = self.get(ref)
        table = build_table(md, rows, read_only)
        if not md.disk_added:
            # The first table fixes md->type and sets the queue up, which adds the gendisk.
            if table.calculate_queue_limits() is None:
                table.destroy()
                self.klog.log("device-mapper: core: Cannot calculate initial queue limits")
                self.klog.log("device-mapper: ioctl: unable to set up device queue for new table.")
                raise DMError(EINVAL)
            md.disk_added = True
            self.block.add_disk(md)
            self.block.make_mapper_node(md.name, md.major, md.minor)
        old, md.inactive = md.inactive, table
        if old is not None:
            old.destroy()
            self._deferred_removals()
        self.note("state", md.name, "table loaded (inactive)")
        return self.info(md, query_inactive=True)

    def table_clear(self, ref: str | DeviceRef) -> DmInfo:
        md = self.get(ref)
        if md.inactive is not None:
            md.inactive.destroy()
            md.inactive = None
            self._deferred_removals()
        self.note("state", md.name, "inactive table cleared")
        return self.info(md)

    # ------------------------------------------------------------------ DM_DEV_SUSPEND
    def dev_suspend(self, ref: str | DeviceRef, noflush: bool = False) -> TaskGen:
        """DM_DEV_SUSPEND (do_suspend()): presuspend, hold new I/O, wait for in-flight I/O, postsuspend."""
        md = self.get(ref)
        if not md.suspended:
            yield from self._dm_suspend(md, noflush)
            self.note("state", md.name, "suspended" + (" (noflush)" if noflush else ""))
        return self.info(md)

    def _dm_suspend(self, md: MappedDevice, noflush: bool) -> TaskGen:
        """dm_suspend(): under the device's suspend lock, so a second suspend waits for the first, then finds
        the device suspended and fails (EINVAL)."""
        yield from md.suspend_lock.lock(f"suspend of {md.name}")
        try:
            if md.suspended:
                raise DMError(EINVAL)
            yield from md.suspend(noflush)
        finally:
            md.suspend_lock.unlock()

    def dev_resume(self, ref: str | DeviceRef, noflush: bool = False) -> TaskGen:
        """DM_DEV_SUSPEND with DM_RESUME (do_resume()): swap in the inactive table (suspending first), then resume.

        ``noflush`` (DM_NOFLUSH_FLAG) applies to the suspend a table swap does first. A device that is not
        suspended (yet: its suspend may still be waiting) and has no inactive table is left as it is.
        """
        md = self.get(ref)
        if md.inactive is not None:
            new, md.inactive = md.inactive, None
            if not md.suspended:
                try:
                    yield from self._dm_suspend(md, noflush)
                except (GeneratorExit, DMError):
                    md.inactive = new  # a suspend that failed leaves the new table where it was
                    raise
            yield from md.suspend_lock.lock(f"table swap of {md.name}")
            try:
                self._swap_table(md, new)
            finally:
                md.suspend_lock.unlock()
        self.block.make_mapper_node(md.name, md.major, md.minor)  # libdm makes /dev/mapper/NAME at resume
        if md.suspended:
            yield from md.suspend_lock.lock(f"resume of {md.name}")
            try:
                if md.suspended:
                    yield from md.resume()
                    self.note("state", md.name, "resumed")
            finally:
                md.suspend_lock.unlock()
        return self.info(md)

    def _swap_table(self, md: MappedDevice, new: Table) -> None:
        """dm_swap_table(): the new table's queue limits, then it goes live and the old one is destroyed."""
        limits = new.calculate_queue_limits()
        if limits is None:
            new.destroy()
            raise DMError(EINVAL)
        old, md.live = md.live, new
        md.read_only = new.read_only
        md.limits = limits
        md.write_cache = any(dev.write_cache for dev in new.devices)  # dm_table_set_restrictions(): QUEUE_FLAG_WC
        md.read_ahead = max(DEFAULT_READ_AHEAD, 2 * limits.io_opt // 512)  # blk_queue_update_readahead()
        if old is not None:
            old.destroy()
            self._deferred_removals()

    # ------------------------------------------------------------------ DM_DEV_WAIT, DM_DEV_STATUS
    def dev_wait(self, ref: str | DeviceRef, event_nr: int) -> TaskGen:
        """DM_DEV_WAIT: sleep until the device's event counter differs from ``event_nr`` (or it goes away)."""
        md = self.get(ref)
        if md.event_nr == event_nr:
            yield md.events.wait_event(lambda: md.event_nr != event_nr or self.devices.get(md.name) is not md,
                                       f"event on {md.name}")
        if self.devices.get(md.name) is not md:
            raise DMError(ENXIO)
        return self.info(md)

    def dev_status(self, ref: str | DeviceRef, query_inactive: bool = False) -> DmInfo:
        return self.info(self.get(ref), query_inactive)

    # ------------------------------------------------------------------ DM_TABLE_STATUS, DM_TABLE_DEPS
    def table_status(self, ref: str | DeviceRef, kind: StatusType = StatusType.TABLE, query_inactive: bool = False,
                     noflush: bool = False) -> tuple[DmInfo, list[TableRow]]:
        """The table (StatusType.TABLE) or status (INFO) lines of the live, or the inactive, table."""
        md = self.get(ref)
        table = md.inactive if query_inactive else md.live
        rows = []
        for target in table.targets if table is not None else []:
            try:
                params = target.status(kind, STATUS_NOFLUSH if noflush else 0)
            except Exception as exc:  # noqa: BLE001
                target.ctx.bug("status", exc)
                params = ""
            rows.append(TableRow(target.begin, target.len, target.name, params))
        return self.info(md, query_inactive), rows

    def table_deps(self, ref: str | DeviceRef, query_inactive: bool = False) -> tuple[DmInfo, list[tuple[int, int]]]:
        """DM_TABLE_DEPS: the devices a table holds, newest first (the kernel adds each to the head of a list)."""
        md = self.get(ref)
        table = md.inactive if query_inactive else md.live
        deps = [(dev.major, dev.minor) for dev in reversed(table.devices)] if table is not None else []
        return self.info(md, query_inactive), deps

    # ------------------------------------------------------------------ DM_LIST_DEVICES, DM_LIST_VERSIONS
    def list_devices(self) -> list[tuple[str, int, int]]:
        """(name, major, minor) of every mapped device, by name."""
        return [(md.name, md.major, md.minor) for _, md in sorted(self.devices.items())]

    @staticmethod
    def list_versions() -> list[tuple[str, tuple[int, int, int]]]:
        return list_versions()

    # ------------------------------------------------------------------ DM_TARGET_MSG
    def target_message(self, ref: str | DeviceRef, sector: int, message: str) -> str | None:
        """DM_TARGET_MSG: the message string is split as dm_split_args() splits it, then routed by sector to the
        live table's target; the reply text, if any."""
        md = self.get(ref)
        argv = split_args(message)
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
        if not takes_messages(type(target)):
            self.klog.log("device-mapper: ioctl: Target type does not support messages")
            raise DMError(EINVAL)
        try:
            return target.message(argv)
        except TargetError as err:
            raise DMError(err.errno, err.reason) from None
        except Exception as exc:  # noqa: BLE001
            target.ctx.bug("message", exc)
            raise DMError(EINVAL) from None
