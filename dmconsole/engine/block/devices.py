"""The lab's block devices and their /dev nodes: disks (brd, loop, lab disks), the gendisks of mapped
devices, lookups by path and number, opens and closes, and the drivers that make disks on demand."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ..core.errno import EBUSY, EEXIST, EINVAL, ENODEV, ENOENT, ENXIO, DMError
from .disk import Disk, FileStore, SparseStore
from .limits import QueueLimits
from .submit import BlockLayer

if TYPE_CHECKING:
    from ..core.clock import Clock
    from ..core.klog import KernelLog

RAM_MAJOR = 1
LOOP_MAJOR = 7
DISK_MAJOR = 8
MINORBITS = 20
PAGE_SIZE = 4096


class BlockDevice(Protocol):
    """What the block layer and the targets need of a device: a disk or a mapped device."""

    kind: str  # "disk" or "dm"
    name: str
    major: int
    minor: int
    read_only: bool
    write_cache: bool  # QUEUE_FLAG_WC
    limits: QueueLimits
    read_ahead: int  # sectors
    opens: int  # by processes
    holders: int  # by tables

    @property
    def size_sectors(self) -> int: ...

    @property
    def kernel_name(self) -> str: ...

    @property
    def devno(self) -> str: ...

    @property
    def open_count(self) -> int: ...

    def submit(self, bio: Any) -> None: ...


@dataclass(frozen=True)
class BlockInfo:
    """What sysfs and the BLK* ioctls tell of a block device (/sys/block/NAME, /sys/block/dm-N/dm/name)."""

    kernel_name: str  # ram0, sdb, dm-3
    dm_name: str  # the mapped device's name; "" for a disk
    major: int
    minor: int
    size_sectors: int
    read_only: bool
    read_ahead: int  # sectors
    limits: QueueLimits


class LookupFailed(Exception):
    """dm_get_device() could not find the device: ENODEV for a path to nothing, ENXIO for a dead number."""

    def __init__(self, err: int):
        super().__init__(err)
        self.errno = err


def parse_devno(text: str) -> tuple[int, int] | None:
    """``MAJ:MIN`` as sscanf("%u:%u") reads it in dm_get_device (ASCII digits only), else None."""
    major, sep, minor = text.partition(":")
    if sep and major.isascii() and major.isdigit() and minor.isascii() and minor.isdigit():
        return int(major), int(minor)
    return None


class BlockDevices:
    """Every block device of one lab, by name, by number and by /dev path."""

    def __init__(self, clock: Clock, klog: KernelLog, note: Callable[[str, str, str], None]):
        self.clock = clock
        self.klog = klog
        self.note = note  # the front ends' event log: (kind, device, text)
        self.layer = BlockLayer(klog)
        self.disks: dict[str, Disk] = {}
        self._by_devno: dict[tuple[int, int], BlockDevice] = {}  # every gendisk: disks, and mapped devices once added
        self._mapper_nodes: dict[str, tuple[int, int]] = {}  # /dev/mapper/NAME -> the device number it is for
        self.brd_loaded = False
        self.brd_size_kib = 4096
        self.on_close: list[Callable[[], None]] = []  # run after a process closes a device (deferred removes)

    # ------------------------------------------------------------------ submit
    def submit_bio(self, bio: Any) -> None:
        self.layer.submit_bio(bio)

    # ------------------------------------------------------------------ gendisks and nodes
    def add_disk(self, dev: BlockDevice) -> None:
        """add_disk(): /dev/NAME (or /dev/dm-N) and MAJ:MIN open from now on."""
        self._by_devno[(dev.major, dev.minor)] = dev

    def del_gendisk(self, dev: BlockDevice) -> None:
        if self._by_devno.get((dev.major, dev.minor)) is dev:
            del self._by_devno[(dev.major, dev.minor)]

    def make_mapper_node(self, name: str, major: int, minor: int) -> None:
        """mknod /dev/mapper/NAME for MAJ:MIN (udev and libdm make these; a node may exist before its disk)."""
        self._mapper_nodes[name] = (major, minor)

    def remove_mapper_node(self, name: str) -> None:
        self._mapper_nodes.pop(name, None)

    def mapper_node(self, name: str) -> tuple[int, int] | None:
        """The device number /dev/mapper/NAME is a node of, if that node exists."""
        return self._mapper_nodes.get(name)

    def mapper_nodes(self) -> dict[str, tuple[int, int]]:
        return dict(self._mapper_nodes)

    def by_devno(self, major: int, minor: int) -> BlockDevice | None:
        """The device with a gendisk at MAJ:MIN, or None."""
        return self._by_devno.get((major, minor))

    def info(self, major: int, minor: int) -> BlockInfo | None:
        """sysfs of the device at MAJ:MIN, or None when there is no such gendisk."""
        dev = self._by_devno.get((major, minor))
        if dev is None:
            return None
        return BlockInfo(dev.kernel_name, dev.name if dev.kind == "dm" else "", dev.major, dev.minor,
                         dev.size_sectors, dev.read_only, dev.read_ahead, dev.limits.copy())

    # ------------------------------------------------------------------ lookups
    def stat(self, path: str) -> tuple[int, int] | None:
        """stat(2) of a /dev node: the device number it is for, if the node exists (/dev/mapper/NAME,
        /dev/dm-N once its gendisk exists, /dev/DISK)."""
        if path.startswith("/dev/mapper/"):
            return self._mapper_nodes.get(path[len("/dev/mapper/") :])
        if not path.startswith("/dev/") or "/" in path[len("/dev/") :]:
            return None
        name = path[len("/dev/") :]
        if name.startswith("dm-") and name[3:].isascii() and name[3:].isdigit():
            dev = self._by_devno.get((self.dm_major, int(name[3:])))
            return (dev.major, dev.minor) if dev is not None and dev.kind == "dm" else None
        disk = self.disks.get(name)
        return (disk.major, disk.minor) if disk is not None else None

    dm_major = 253  # set by the device-mapper driver: the major it registered

    def lookup(self, path: str) -> BlockDevice | None:
        """A device by /dev path or MAJ:MIN that can be opened now (it has a gendisk), else None."""
        devno = parse_devno(path) or self.stat(path)
        return self._by_devno.get(devno) if devno is not None else None

    def lookup_for_table(self, path: str) -> BlockDevice:
        """dm_get_device(): ENODEV for a name that resolves to nothing, ENXIO for a dead MAJ:MIN.

        Opening a free number of brd or loop creates that disk, as block device
        autoloading does (it is deprecated and says so).
        """
        dev = self.lookup(path)
        if dev is not None:
            return dev
        devno = parse_devno(path)
        if devno is None:
            raise LookupFailed(ENODEV)
        dev = self._autoload(*devno)
        if dev is None:
            raise LookupFailed(ENXIO)
        self.klog.log("block device autoloading is deprecated and will be removed.")
        return dev

    def openable(self, path: str) -> BlockDevice:
        """The device open(2) of a node would open: DMError ENOENT with no node, ENXIO for a node with no
        gendisk. Nothing is counted until ``hold()``."""
        devno = self.stat(path)
        if devno is None:
            raise DMError(ENOENT)
        dev = self._by_devno.get(devno)
        if dev is None:
            raise DMError(ENXIO)
        return dev

    def hold(self, dev: BlockDevice) -> None:
        """A process's open of a device: it counts until ``close()``."""
        dev.opens += 1

    def close(self, dev: BlockDevice) -> None:
        """A process's close (dm_blk_close: a deferred remove may now happen)."""
        dev.opens -= 1
        for listener in self.on_close:
            listener()

    # ------------------------------------------------------------------ drivers
    def modprobe_brd(self, rd_nr: int = 16, rd_size_kib: int = 4096) -> list[Disk]:
        """Load brd: /dev/ram0.. of rd_size KiB; a second load with other values does nothing."""
        if self.brd_loaded:
            return []
        self.brd_loaded = True
        self.brd_size_kib = rd_size_kib
        made = [self._add(self._ram_disk(index)) for index in range(rd_nr)]
        self.klog.log("brd: module loaded")
        self.note("state", "", f"brd: {rd_nr} ram disks of {rd_size_kib} KiB")
        return made

    def _ram_disk(self, index: int) -> Disk:
        # brd: 512-byte logical blocks in 4 KiB pages (blk_queue_physical_block_size(PAGE_SIZE))
        limits = QueueLimits(physical_block_size=PAGE_SIZE, io_min=PAGE_SIZE)
        return Disk(f"ram{index}", RAM_MAJOR, index, self.brd_size_kib * 2, clock=self.clock, limits=limits)

    def _add(self, disk: Disk) -> Disk:
        self.disks[disk.name] = disk
        self.add_disk(disk)
        return disk

    def _autoload(self, major: int, minor: int) -> Disk | None:
        """blk_request_module(): brd makes ramN of rd_size, loop makes an empty loopN."""
        if minor >= 1 << MINORBITS:
            return None
        if major == RAM_MAJOR:
            if not self.brd_loaded:
                self.modprobe_brd()
            disk = self._ram_disk(minor)
        elif major == LOOP_MAJOR:
            disk = Disk(f"loop{minor}", LOOP_MAJOR, minor, 0, clock=self.clock)
        else:
            return None
        if disk.name in self.disks:
            return None
        self._add(disk)
        self.note("state", disk.name, f"{disk.name} ({disk.devno}) created on demand")
        return disk

    def disk_create(self, name: str, size_sectors: int, path: str | None = None, write_cache: bool = False) -> Disk:
        """A lab disk /dev/NAME (8:N, 16 minors apart as sd disks are), sparse in memory or in a file."""
        if not name or "/" in name or name in self.disks or name.startswith("dm-") or name == "mapper":
            raise DMError(EEXIST, f"disk {name!r} already exists or is not a valid name")
        if size_sectors <= 0:
            raise DMError(EINVAL, "disk size must be at least one sector")
        used = {d.minor for d in self.disks.values() if d.major == DISK_MAJOR}
        minor = next(m for m in itertools.count(0, 16) if m not in used)
        store = FileStore(path, size_sectors * 512) if path else SparseStore()
        disk = Disk(name, DISK_MAJOR, minor, size_sectors, store, clock=self.clock)
        disk.write_cache = write_cache
        self._add(disk)
        self.note("state", name, f"disk {name} ({disk.devno}) created, {size_sectors} sectors")
        return disk

    def disk_remove(self, name: str) -> None:
        disk = self.disks.get(name)
        if disk is None:
            raise DMError(ENOENT, f"no disk {name}")
        if disk.open_count:
            raise DMError(EBUSY, f"disk {name} is in use")
        disk.store.close()
        del self.disks[name]
        self.del_gendisk(disk)

    def set_read_ahead(self, major: int, minor: int, sectors: int) -> None:
        """BLKRASET / sysfs read_ahead_kb of the device at MAJ:MIN (nothing if there is none)."""
        dev = self._by_devno.get((major, minor))
        if dev is not None:
            dev.read_ahead = sectors
