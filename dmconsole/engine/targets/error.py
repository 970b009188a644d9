"""dm-error: every I/O fails."""

from __future__ import annotations

from ..bio import Bio, Op
from ..errors import EIO
from ..target import Target, register


@register
class Error(Target):
    name = "error"
    version = (1, 5, 0)
    wildcard = True

    def ctr(self, args: list[str]) -> None:
        # 6.1 ignores any arguments (newer kernels take <dev> <start> for limits only).
        pass

    def map(self, bio: Bio) -> None:
        if bio.op is Op.FLUSH:
            # io_err_ctr() leaves num_flush_bios at 0: dm core never sends dm-error an
            # empty flush, so a flush of a table with an error target still succeeds.
            bio.endio(0)
            return
        bio.endio(-EIO)
