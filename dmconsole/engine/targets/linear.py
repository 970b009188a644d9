"""dm-linear (v1.4.0): map a range onto another device at an offset."""

from __future__ import annotations

from ..block.bio import Bio
from ..core.errno import TargetError
from ..dm.target import MapResult, StatusType, Target, register


@register
class Linear(Target):
    name = "linear"
    version = (1, 4, 0)

    def ctr(self, args: list[str]) -> None:
        if len(args) != 2:
            raise TargetError("Invalid argument count")
        self.start = self.parse_uint(args[1], "Invalid device sector")
        self.dev = self.get_device(args[0], "Device lookup failed")
        self.num_flush_bios = self.num_discard_bios = self.num_write_zeroes_bios = 1

    def map(self, bio: Bio) -> MapResult:
        bio.bdev = self.dev
        bio.sector = self.start + self.target_offset(bio.sector)
        return MapResult.REMAPPED

    def status(self, kind: StatusType, flags: int = 0) -> str:
        return f"{self.dev.devno} {self.start}" if kind is StatusType.TABLE else ""

    def iterate_devices(self):
        return [(self.dev, self.start, self.len)]
