"""dm-zero: reads return zeroes, writes vanish."""

from __future__ import annotations

from ..bio import Bio, Op
from ..errors import EIO, TargetError
from ..target import Target, register


@register
class Zero(Target):
    name = "zero"
    version = (1, 1, 0)

    def ctr(self, args: list[str]) -> None:
        if args:
            raise TargetError("No arguments required")

    def map(self, bio: Bio) -> None:
        if bio.op is Op.READ:
            if bio.data is not None:
                bio.data[:] = bytes(len(bio.data))
            bio.endio(0)
        elif bio.op in (Op.WRITE, Op.DISCARD, Op.FLUSH, Op.WRITE_ZEROES):
            bio.endio(0)
        else:
            bio.endio(-EIO)
