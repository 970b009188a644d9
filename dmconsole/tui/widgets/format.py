"""How the console writes sizes, byte counts and status lines."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ...engine.views import DiskView


def fmt_size(sectors: int) -> str:
    """A size in sectors the way an administrator reads it: 256 MiB, 1.5 GiB."""
    return fmt_bytes(sectors * 512)


def fmt_bytes(count: int) -> str:
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if value < 1024 or unit == "PiB":
            break
        value /= 1024
    return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"


def target_line(start: int, length: int, ttype: str, params: str) -> str:
    """One line of `dmsetup table` / `dmsetup status` for one device, byte for byte (trailing space included)."""
    return f"{start} {length} {ttype} {params}"


def disk_failed(disk: DiskView) -> bool:
    return disk.faults == "failed"
