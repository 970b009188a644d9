"""dm-error: every I/O fails."""

from __future__ import annotations

from ..bio import Bio
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
        bio.endio(-EIO)
