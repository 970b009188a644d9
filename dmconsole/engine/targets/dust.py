"""dm-dust (v1.0.0, Linux 6.1): a device with a list of bad blocks that fail reads.

Table: ``<dev> <offset> <blksz>``. The target starts in ``bypass`` (no
failures) and ``verbose``; ``enable``/``disable`` switch read failures on and
off, ``quiet`` toggles the informational kernel log lines. The bad-block list
lives in the target, so a reload (a new target) starts with an empty list, as
in the kernel.

Kernel details kept here on purpose:

- dm core splits every bio at the target's block boundaries (max_io_len =
  blocks, counted from the target's start) and each piece is checked on its own:
  a read fails if any block it covers is bad.
- The block of a piece is ``(offset + sector within target) >> shift``: the
  device sector, not the target's, decides.
- A write (anything but a read) to a bad block with a write fail count left
  fails and uses one up; with none left it removes the block and goes through.
  The "removed from badblocklist by write" line divides the block number by the
  sectors per block a second time (a kernel quirk: right for 512-byte blocks).
- Discards and write-zeroes are not split and only their first block counts;
  an empty flush is mapped as a write at ``offset - begin`` (it carries sector 0).
- ``addbadblock``/``removebadblock``/``queryblock`` accept block numbers up to
  and including ``device_sectors / sectors_per_block``: the range check is
  ``block > size`` (one past the last block is accepted). The device is the
  underlying one, not the target.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

from ..block.bio import Bio, Op
from ..core.errno import EINVAL, TargetError
from ..dm.target import MapResult, MessageArg, MessageSpec, StatusType, Target, register
from .kparse import kstrtouint, sscanf_uint

DUST_MAX_BLKSZ_SECTORS = 2097152
VIEW_BLOCK_CAP = 1000  # bad-block numbers a view carries (the count is always exact)


@dataclass(frozen=True)
class DustView:
    """What the console shows of a dust target: its bad blocks and whether reads of them fail."""

    device: str  # MAJ:MIN of the device below
    offset: int  # the target's start on that device, in sectors
    length: int  # the target's length, in sectors
    block_size: int  # bytes
    bad_blocks: tuple[int, ...]  # the first VIEW_BLOCK_CAP of them, in order
    bad_block_count: int
    enabled: bool  # fail_read_on_bad_block (else bypass)
    quiet: bool

    @property
    def blocks_covered(self) -> tuple[int, int]:
        """The first and last block numbers (counted on the device, from its start) this target maps."""
        per_block = self.block_size // 512
        return self.offset // per_block, (self.offset + self.length) // per_block - 1


def _block_note(view: DustView) -> str:
    """dust numbers blocks on the underlying device from its start, not from the target's: say which are ours."""
    first, last = view.blocks_covered
    if last < first:
        return ""
    return (f"BLOCK counts {view.block_size}-byte blocks of {view.device} from its start: "
            f"this target reads and writes blocks {first}-{last}")


_BLOCK = MessageArg("BLOCK", "a block number on the device below, from its start")


@register
class Dust(Target):
    name = "dust"
    version = (1, 0, 0)
    view_type = DustView
    messages = (
        MessageSpec("addbadblock", (_BLOCK, MessageArg("WRITE_FAIL_COUNT", "writes that fail before one clears it",
                                                       optional=True)),
                    "add BLOCK to the bad-block list (writes fail WRITE_FAIL_COUNT times, 0-255)", note=_block_note),
        MessageSpec("removebadblock", (_BLOCK,), "remove BLOCK from the bad-block list", note=_block_note),
        MessageSpec("queryblock", (_BLOCK,), "is BLOCK in the bad-block list?", note=_block_note),
        MessageSpec("countbadblocks", (), "count the bad blocks"),
        MessageSpec("clearbadblocks", (), "empty the bad-block list"),
        MessageSpec("listbadblocks", (), "list the bad blocks"),
        MessageSpec("enable", (), "fail reads of bad blocks"),
        MessageSpec("disable", (), "stop failing reads (bypass)"),
        MessageSpec("quiet", (), "toggle the per-I/O kernel log lines"),
    )

    def ctr(self, args: list[str]) -> None:
        self.badblocks: dict[int, int] = {}  # block -> write fail count
        self.fail_read_on_bb = False
        self.quiet_mode = False
        max_block_sectors = min(self.len, DUST_MAX_BLKSZ_SECTORS)
        if len(args) != 3:
            raise TargetError("Invalid argument count")
        blksz = kstrtouint(args[2])
        if not blksz:
            raise TargetError("Invalid block size parameter")
        if blksz < 512:
            raise TargetError("Block size must be at least 512")
        if blksz & (blksz - 1):
            raise TargetError("Block size must be a power of 2")
        if (blksz >> 9) > max_block_sectors:
            raise TargetError("Block size is too large")
        start = sscanf_uint(args[1], 64)
        if start is None:
            raise TargetError("Invalid device offset sector")
        try:
            self.dev = self.get_device(args[0], "Device lookup failed")
        except TargetError:
            raise TargetError("Device lookup failed", EINVAL) from None  # dust_ctr returns -EINVAL
        self.blksz = blksz
        self.sect_per_block = blksz >> 9
        self.shift = self.sect_per_block.bit_length() - 1
        self.start = start
        self.max_io_len = self.sect_per_block  # dm core splits I/O at block boundaries, from the target's start
        self.num_discard_bios = self.num_flush_bios = 1

    # -- I/O ------------------------------------------------------------------------
    def map(self, bio: Bio) -> MapResult:
        """dust_map(): remap, then a read of a bad block fails; a write uses up its write fail count, or
        clears it. The block is the device's, so an empty flush (sector 0) lands at ``start - begin``."""
        bio.bdev = self.dev
        bio.sector = (self.start + self.target_offset(bio.sector)) % (1 << 64)
        if self.fail_read_on_bb:
            block = bio.sector >> self.shift
            if bio.op is Op.READ:
                if block in self.badblocks:
                    return MapResult.KILL
            elif not self._map_write(block):
                return MapResult.KILL
        return MapResult.REMAPPED

    def _map_write(self, block: int) -> bool:
        """__dust_map_write(): False when the write must fail."""
        count = self.badblocks.get(block)
        if count is None:
            return True
        if count > 0:
            self.badblocks[block] = count - 1
            return False
        del self.badblocks[block]
        if not self.quiet_mode:
            self.log(f"block {block // self.sect_per_block} removed from badblocklist by write")
        return True

    # -- messages -------------------------------------------------------------------
    def message(self, args: list[str]) -> str | None:
        argc = len(args)
        verb = args[0].lower()
        if argc == 1:
            if verb in ("addbadblock", "removebadblock", "queryblock"):
                return self._fail(f"{args[0]} requires an additional argument")
            if verb == "disable":
                self.log("disabling read failures on bad sectors")
                self.fail_read_on_bb = False
                return None
            if verb == "enable":
                self.log("enabling read failures on bad sectors")
                self.fail_read_on_bb = True
                return None
            if verb == "countbadblocks":
                return f"countbadblocks: {len(self.badblocks)} badblock(s) found"
            if verb == "clearbadblocks":
                found = bool(self.badblocks)
                self.badblocks = {}
                return "dust_clear_badblocks: " + ("badblocks cleared" if found else "no badblocks found")
            if verb == "quiet":
                self.quiet_mode = not self.quiet_mode
                return None
            if verb == "listbadblocks":
                if not self.badblocks:
                    return "No blocks in badblocklist"
                return "\n".join(str(block) for block in sorted(self.badblocks))
            return self._fail(f"unrecognized message '{args[0]}' received")
        if argc == 2:
            block = self._block_arg(args[1])
            if verb == "addbadblock":
                return self._add_block(block, 0)
            if verb == "removebadblock":
                return self._remove_block(block)
            if verb == "queryblock":
                found = "found" if block in self.badblocks else "not found"
                return f"dust_query_block: block {block} {found} in badblocklist"
            return self._fail(f"unrecognized message '{args[0]}' received")
        if argc == 3:
            block = sscanf_uint(args[1], 64)
            if block is None:
                raise TargetError("invalid block value", EINVAL)
            count = sscanf_uint(args[2], 32)
            if count is None:
                raise TargetError("invalid write fail count", EINVAL)
            if count > 255:
                return self._fail("selected write fail count out of range")
            self._check_range(block)
            if verb == "addbadblock":
                return self._add_block(block, count)
            return self._fail(f"unrecognized message '{args[0]}' received")
        return self._fail(f"invalid number of arguments '{argc}'")

    def _fail(self, text: str) -> NoReturn:
        """DMERR(text), then -EINVAL."""
        self.log(text)
        raise TargetError(text, EINVAL)

    def _block_arg(self, text: str) -> int:
        block = sscanf_uint(text, 64)
        if block is None:
            raise TargetError("invalid block value", EINVAL)  # the kernel returns -EINVAL silently
        self._check_range(block)
        return block

    def _check_range(self, block: int) -> None:
        size = self.dev.size_sectors // self.sect_per_block
        if block > size:
            self._fail("selected block value out of range")

    def _add_block(self, block: int, count: int) -> None:
        if block in self.badblocks:
            if not self.quiet_mode:
                self.log(f"dust_add_block: block {block} already in badblocklist")
            raise TargetError("block already in badblocklist", EINVAL)
        self.badblocks[block] = count
        if not self.quiet_mode:
            self.log(f"dust_add_block: badblock added at block {block} with write fail count {count}")
        return None

    def _remove_block(self, block: int) -> None:
        if block not in self.badblocks:
            if not self.quiet_mode:
                self.log(f"dust_remove_block: block {block} not found in badblocklist")
            raise TargetError("block not found in badblocklist", EINVAL)
        del self.badblocks[block]
        if not self.quiet_mode:
            self.log(f"dust_remove_block: badblock removed at block {block}")
        return None

    # -- status ---------------------------------------------------------------------
    def status(self, kind: StatusType, flags: int = 0) -> str:
        if kind is StatusType.INFO:
            mode = "fail_read_on_bad_block" if self.fail_read_on_bb else "bypass"
            return f"{self.dev.devno} {mode} {'quiet' if self.quiet_mode else 'verbose'}"
        return f"{self.dev.devno} {self.start} {self.blksz}"

    def iterate_devices(self):
        return [(self.dev, self.start, self.len)]

    def view(self) -> DustView:
        blocks = sorted(self.badblocks)
        return DustView(self.dev.devno, self.start, self.len, self.blksz, tuple(blocks[:VIEW_BLOCK_CAP]),
                        len(blocks), self.fail_read_on_bb, self.quiet_mode)
