"""The device-mapper engine: disks, bios, mapped devices, tables, targets, clock."""

from .engine import Engine
from .errors import DMError

__all__ = ["Engine", "DMError"]
