"""The block devices a table can name (disks and mapped devices), and the block layer's entry point."""

from __future__ import annotations

from .bio import Bio, Flag, Op
from .device import MappedDevice
from .disk import Disk

BlockDevice = Disk | MappedDevice


def has_write_cache(dev: BlockDevice) -> bool:
    """QUEUE_FLAG_WC: a disk with a volatile write cache, or a dm device whose table had one below
    when it was resumed (dm_table_set_restrictions() sets the flag then)."""
    return dev.write_cache


def table_has_write_cache(devices) -> bool:
    """What a table swap gives the mapped device: a write cache if any device below has one."""
    return any(has_write_cache(dev) for dev in devices)


def submit_bio(dev: BlockDevice, bio: Bio, klog=None) -> None:
    """submit_bio_noacct(): the checks every bio passes on its way into a device.

    Without a write cache PREFLUSH and FUA mean nothing: they are dropped, and an empty
    flush completes at once, before any driver or target sees it. A write to a read-only
    device is warned about (``klog``) and let through, as 6.1 does.
    """
    if not has_write_cache(dev):
        bio.flags &= ~(Flag.PREFLUSH | Flag.FUA)
        if bio.op is Op.FLUSH:
            bio.endio(0)
            return
    if klog is not None and bio.op.is_write and bio.op is not Op.FLUSH and dev.read_only:
        klog.log_ratelimited("bio_check_ro", f"Trying to write to read-only block-device {dev.kernel_name}")
    dev.submit(bio)
