"""dm-linear: map a range onto another device at an offset."""

from __future__ import annotations

from ..bio import Bio
from ..errors import TargetError
from ..target import Target, register


@register
class Linear(Target):
    name = "linear"
    version = (1, 4, 0)

    def ctr(self, args: list[str]) -> None:
        if len(args) != 2:
            raise TargetError("Invalid argument count")
        self.start = self.parse_uint(args[1], "Invalid device sector")
        self.dev = self.get_device(args[0], "Device lookup failed")

    def map(self, bio: Bio) -> None:
        self.remap(bio, self.dev, self.start + bio.sector)

    def status_table(self) -> str:
        return f"{self.dev.devno} {self.start}"

    def iterate_devices(self):
        return [(self.dev, self.start, self.len)]
