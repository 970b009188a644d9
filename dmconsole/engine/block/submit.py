"""submit_bio(): the block layer's one entry point, iterative like the kernel's bio lists.

A bio submitted while another is being handled (a target mapping a clone to the
device below, a completion resubmitting) is put on the list of the bio in hand
and handled after it returns, lowest device first, as ``__submit_bio_noacct()``
orders them. So a stack of any depth costs no Python recursion, and a bio
never waits inside a target's ``map`` for the layers below it.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from .bio import Bio, Flag, Op

if TYPE_CHECKING:
    from ..core.klog import KernelLog

_CACHE_FLAGS = Flag.PREFLUSH | Flag.FUA


class BlockLayer:
    """One lab's block layer: the bio list of the bio being handled, and the kernel log its checks write to."""

    def __init__(self, klog: KernelLog):
        self.klog = klog
        self._current: list[Bio] | None = None  # current->bio_list[0]: bios submitted while one is handled

    def submit_bio(self, bio: Bio) -> None:
        """submit_bio_noacct(): the checks every bio passes, then the device's submit_bio, one bio at a time."""
        if self._current is not None:
            self._current.append(bio)
            return
        waiting: deque[Bio] = deque()  # bio_list_on_stack[1]: what is left to handle, in order
        try:
            while True:
                self._current = submitted = []
                self._check_and_submit(bio)
                if submitted:
                    # Bios for devices below the one just handled first, then those for the same device.
                    dev = bio.bdev
                    same = [b for b in submitted if b.bdev is dev]
                    if same:
                        waiting.extendleft(reversed(same))
                    lower = [b for b in submitted if b.bdev is not dev]
                    waiting.extendleft(reversed(lower))
                if not waiting:
                    return
                bio = waiting.popleft()
        finally:
            self._current = None

    def _check_and_submit(self, bio: Bio) -> None:
        dev = bio.bdev
        if not dev.write_cache:
            # Without a volatile cache, PREFLUSH and FUA mean nothing: dropped, and an empty flush is done.
            if bio.flags & _CACHE_FLAGS:
                bio.flags &= ~_CACHE_FLAGS
            if bio.op is Op.FLUSH:
                bio.endio(0)
                return
        if dev.read_only and bio.op.is_write and bio.op is not Op.FLUSH:
            self.klog.log_ratelimited("bio_check_ro", f"Trying to write to read-only block-device {dev.kernel_name}")
        dev.submit(bio)
