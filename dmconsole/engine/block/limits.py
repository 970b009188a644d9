"""Queue limits and how they stack (block/blk-settings.c of Linux 6.1), in the part device-mapper reads:
block sizes, minimum and optimal I/O sizes, the alignment offset."""

from __future__ import annotations

import math
from dataclasses import dataclass

SECTOR_SIZE = 512


@dataclass
class QueueLimits:
    """``struct queue_limits``; sizes in bytes."""

    logical_block_size: int = SECTOR_SIZE
    physical_block_size: int = SECTOR_SIZE
    io_min: int = SECTOR_SIZE
    io_opt: int = 0
    alignment_offset: int = 0
    misaligned: bool = False

    def copy(self) -> QueueLimits:
        return QueueLimits(self.logical_block_size, self.physical_block_size, self.io_min, self.io_opt,
                           self.alignment_offset, self.misaligned)

    def set_io_min(self, size: int) -> None:
        """blk_limits_io_min(): at least a logical, then a physical block."""
        self.io_min = max(size, self.logical_block_size, self.physical_block_size)

    def set_io_opt(self, size: int) -> None:
        """blk_limits_io_opt()."""
        self.io_opt = size


def stacking_limits() -> QueueLimits:
    """blk_set_stacking_limits(): what a stacked device starts from before its components are added."""
    return QueueLimits()


def _lcm_not_zero(a: int, b: int) -> int:
    if a and b:
        return math.lcm(a, b)
    return a or b


def alignment_offset_at(limits: QueueLimits, sector: int) -> int:
    """queue_limit_alignment_offset(): the bottom device's alignment seen from ``sector`` into it."""
    granularity = max(limits.physical_block_size, limits.io_min)
    alignment = (sector % (granularity >> 9)) << 9
    return (granularity + limits.alignment_offset - alignment) % granularity


def stack_limits(top: QueueLimits, bottom: QueueLimits, start: int) -> bool:
    """blk_stack_limits(): fold ``bottom`` (used from sector ``start``) into ``top``. False when the two are
    not aligned with each other (the kernel returns -1 and its callers warn)."""
    consistent = True
    top.misaligned = top.misaligned or bottom.misaligned
    alignment = alignment_offset_at(bottom, start)
    if top.alignment_offset != alignment:
        upper = max(top.physical_block_size, top.io_min) + top.alignment_offset
        lower = max(bottom.physical_block_size, bottom.io_min) + alignment
        if max(upper, lower) % min(upper, lower):
            top.misaligned = True
            consistent = False
    top.logical_block_size = max(top.logical_block_size, bottom.logical_block_size)
    top.physical_block_size = max(top.physical_block_size, bottom.physical_block_size)
    top.io_min = max(top.io_min, bottom.io_min)
    top.io_opt = _lcm_not_zero(top.io_opt, bottom.io_opt)
    if top.physical_block_size & (top.logical_block_size - 1):
        top.physical_block_size = top.logical_block_size
        top.misaligned = True
        consistent = False
    if top.io_min & (top.physical_block_size - 1):
        top.io_min = top.physical_block_size
        top.misaligned = True
        consistent = False
    if top.io_opt & (top.physical_block_size - 1):
        top.io_opt = 0
        top.misaligned = True
        consistent = False
    top.alignment_offset = _lcm_not_zero(top.alignment_offset, alignment) % max(top.physical_block_size,
                                                                                  top.io_min)
    if top.alignment_offset & (top.logical_block_size - 1):
        top.misaligned = True
        consistent = False
    return consistent
