"""The block devices a table can name: disks and mapped devices."""

from __future__ import annotations

from .device import MappedDevice
from .disk import Disk

BlockDevice = Disk | MappedDevice
