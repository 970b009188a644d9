"""dm-error (v1.5.0): every I/O fails."""

from __future__ import annotations

from ..block.bio import Bio
from ..dm.target import MapResult, Target, register


@register
class Error(Target):
    name = "error"
    version = (1, 5, 0)
    wildcard = True

    def ctr(self, args: list[str]) -> None:
        # 6.1 ignores any arguments (newer kernels take <dev> <start> for limits only).
        # io_err_ctr() sets num_discard_bios = 1 but leaves num_flush_bios at 0: dm core never sends
        # dm-error an empty flush, so a flush of a table with an error target still succeeds.
        self.num_discard_bios = 1

    def map(self, bio: Bio) -> MapResult:
        return MapResult.KILL
