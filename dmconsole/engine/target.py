"""The target_type interface every target family implements, and the registry of types."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from .bio import Bio
from .errors import EINVAL, TargetError

if TYPE_CHECKING:
    from .blockdev import BlockDevice
    from .device import MappedDevice
    from .engine import Engine


class Target:
    """One table line's target (``struct dm_target`` with its ``target_type`` hooks).

    Subclasses set ``name``/``version`` and override the hooks they have; the
    class-level flags are the kernel's feature flags checked at table load.
    """

    name: ClassVar[str] = ""
    version: ClassVar[tuple[int, int, int]] = (0, 0, 0)
    msg_prefix: ClassVar[str] = ""
    singleton: ClassVar[bool] = False
    immutable: ClassVar[bool] = False
    always_writeable: ClassVar[bool] = False
    wildcard: ClassVar[bool] = False
    has_message: ClassVar[bool] = False
    messages: ClassVar[tuple[str, ...]] = ()  # message words, for completion and the palette

    def __init__(self, engine: Engine, md: MappedDevice, begin: int, length: int, read_only: bool):
        self.engine = engine
        self.md = md
        self.begin = begin
        self.len = length
        self.read_only = read_only
        self.devices: list[BlockDevice] = []
        self.error = "Unknown error"

    # -- helpers for target code -------------------------------------------------
    @property
    def clock(self):
        return self.engine.clock

    def get_device(self, path: str, error: str = "Device lookup failed") -> BlockDevice:
        """dm_get_device(): look the device up and hold it; ``error`` becomes ti->error on failure."""
        from .engine import LookupFailed

        try:
            dev = self.engine.lookup_for_table(path, self.md)
        except LookupFailed as failed:
            raise TargetError(error, failed.errno) from None
        if dev not in self.devices:
            self.devices.append(dev)
        return dev

    def log(self, text: str) -> None:
        """DMERR/DMWARN/DMINFO: ``device-mapper: <prefix>: text``."""
        prefix = self.msg_prefix or self.name
        self.engine.klog.log(f"device-mapper: {prefix}: {text}")

    def event(self) -> None:
        """dm_table_event(): counts only when this target's table is live."""
        self.engine.table_event(self)

    def remap(self, bio: Bio, dev: BlockDevice, sector: int, on_done: Callable[[Bio], int] | None = None) -> None:
        """Send ``bio`` to ``dev`` at ``sector``; complete it when the clone does.

        ``on_done`` (end_io) may look at the clone and return the status to pass up.
        """
        clone = bio.clone(sector, bio.nr_sectors)

        def finished(c: Bio) -> None:
            status = on_done(c) if on_done else c.status
            bio.endio(status)

        clone.end_io = finished
        self.submit_to(dev, clone)

    def submit_to(self, dev: BlockDevice, clone: Bio) -> None:
        """Send a clone down to a lower device through the block layer's checks."""
        from .blockdev import submit_bio

        submit_bio(dev, clone, self.engine.klog)

    @staticmethod
    def parse_uint(text: str, error: str, limit: int = 2**64 - 1) -> int:
        """sscanf("%llu") with the kernel's strictness: digits only, no trailing junk."""
        if not text.isdigit() or int(text) > limit:
            raise TargetError(error, EINVAL)
        return int(text)

    # -- target_type hooks --------------------------------------------------------
    def ctr(self, args: list[str]) -> None:
        raise NotImplementedError

    def dtr(self) -> None:
        pass

    def map(self, bio: Bio) -> None:
        raise NotImplementedError

    def status_info(self) -> str:
        return ""

    def status_table(self) -> str:
        return ""

    def message(self, args: list[str]) -> str | None:
        raise TargetError("Target type does not support messages", EINVAL)

    def presuspend(self) -> None:
        pass

    def postsuspend(self) -> None:
        pass

    def preresume(self) -> None:
        pass

    def resume(self) -> None:
        pass

    def iterate_devices(self) -> list[tuple[BlockDevice, int, int]]:
        """(device, physical start, length) for each device the target maps onto."""
        return []

    def io_opt_sectors(self) -> int:
        """The optimal I/O size this target advertises (io_hints), 0 for none."""
        return 0

    def snapshot_details(self) -> dict:
        """Family-specific numbers for the front ends (plain data only)."""
        return {}


TARGET_TYPES: dict[str, type[Target]] = {}


def target_messages(type_name: str) -> tuple[str, ...]:
    """The messages a target type takes (static metadata, safe for front ends)."""
    cls = TARGET_TYPES.get(type_name)
    return cls.messages if cls else ()


def register(cls: type[Target]) -> type[Target]:
    """Class decorator: make a target type known to table loading and `dmsetup targets`."""
    TARGET_TYPES[cls.name] = cls
    return cls
