"""blockdev (util-linux): a block device's sizes and queue limits."""

from __future__ import annotations

from ...engine.core.errno import DMError, strerror
from ..context import Context
from ..registry import BLOCKDEV, Arg, command

# What each --get option prints of a device (util-linux blockdev, from the BLK* ioctls).
GETTERS = {
    "--getsz": lambda dev: dev.size_sectors,  # BLKGETSIZE64 / 512
    "--getsize64": lambda dev: dev.size_sectors * 512,
    "--getss": lambda dev: dev.limits.logical_block_size,  # BLKSSZGET
    "--getpbsz": lambda dev: dev.limits.physical_block_size,  # BLKPBSZGET
    "--getiomin": lambda dev: dev.limits.io_min,  # BLKIOMIN
    "--getioopt": lambda dev: dev.limits.io_opt,  # BLKIOOPT
    "--getalignoff": lambda dev: -1 if dev.limits.misaligned else dev.limits.alignment_offset,  # BLKALIGNOFF
    "--getra": lambda dev: dev.read_ahead,  # BLKRAGET, in sectors
    "--getro": lambda dev: 1 if dev.read_only else 0,  # BLKROGET
}


@command(
    "blockdev",
    "A block device's sizes and queue limits: --getsz, --getsize64, --getss, --getpbsz, --getiomin, --getioopt, "
    "--getalignoff, --getra, --getro",
    "blockdev --getsz|--getsize64|--getss|--getpbsz|--getiomin|--getioopt|--getalignoff|--getra|--getro DEVICE...",
    args=(
        Arg("option", "what to print", choices=tuple(GETTERS)),
        Arg("device", "block device", BLOCKDEV),
    ),
)
def blockdev(ctx: Context, argv: list[str]) -> int:
    if len(argv) < 2:
        ctx.err(
            "blockdev: no device specified"
            if argv
            else "Usage:\n blockdev -V\n blockdev --report [devices]\n blockdev [-v|-q] commands devices"
        )
        return 1
    options, devices = [a for a in argv if a.startswith("-")], [a for a in argv if not a.startswith("-")]
    unknown = next((option for option in options if option not in GETTERS), None)
    status = 0
    for path in devices:
        try:
            dev = ctx.engine.block.openable(path)
        except DMError as err:
            ctx.err(f"blockdev: cannot open {path}: {strerror(err.errno)}")
            status = 1
            continue
        for option in options:
            if option == unknown:
                ctx.err(f"blockdev: Unknown command: {option}")
                return 1
            ctx.out(str(GETTERS[option](dev)))
    return status
