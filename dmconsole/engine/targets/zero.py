"""dm-zero (v1.1.0): reads return zeroes, writes vanish."""

from __future__ import annotations

from ..block.bio import Bio, Flag, Op
from ..core.errno import TargetError
from ..dm.target import MapResult, Target, register


@register
class Zero(Target):
    name = "zero"
    version = (1, 1, 0)

    def ctr(self, args: list[str]) -> None:
        if args:
            raise TargetError("No arguments required")
        self.num_discard_bios = 1  # discards are dropped silently; no flush ever reaches it

    def map(self, bio: Bio) -> MapResult:
        if bio.op is Op.READ:
            if bio.flags & Flag.RAHEAD:
                return MapResult.KILL  # readahead of null bytes only wastes the page cache
            if bio.data is not None:
                bio.data[:] = bytes(len(bio.data))
        elif bio.op is not Op.WRITE and bio.op is not Op.DISCARD:
            return MapResult.KILL
        bio.endio(0)
        return MapResult.SUBMITTED
