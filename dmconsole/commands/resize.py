"""`resize DEV SIZE`: what lvextend/lvreduce do to the device-mapper layer — reload the table with
the last target's length changed, then suspend and resume; undone on any failure."""

from __future__ import annotations

from ..engine.core.errno import DMError, strerror
from ..engine.dm.ioctl import TableRow
from .context import Context
from .registry import DEVICE, Arg, command
from .sizes import parse_size


@command(
    "resize",
    "Grow or shrink a device: reload with the last target's new length, suspend, resume",
    "resize DEVICE SIZE|+SIZE|-SIZE",
    args=(Arg("device", "mapped device", DEVICE), Arg("size", "new size (e.g. 2G, +512M, 4096s)")),
    destructive=True,
    palette=True,
)
def resize(ctx: Context, argv: list[str]):
    if len(argv) != 2:
        ctx.err("usage: resize DEVICE SIZE|+SIZE|-SIZE")
        return 1
    dm = ctx.engine.dm
    name = argv[0].removeprefix("/dev/mapper/")
    try:
        info, rows = dm.table_status(name)
    except DMError:
        info, rows = None, []
    if info is None or not info.live_table:
        ctx.err(f"resize: {argv[0]}: no such active device")
        return 1
    text = argv[1]
    sign = text[0] if text[:1] in "+-" else ""
    amount = parse_size(text.lstrip("+-"), sectors=True)
    if amount is None:
        ctx.err(f"resize: invalid size '{text}'")
        return 1
    old_size = sum(row.length for row in rows)
    new_size = old_size + amount if sign == "+" else old_size - amount if sign == "-" else amount
    last = rows[-1]
    if new_size <= last.start:
        ctx.err(f"resize: {name}: {new_size} sectors would remove the last target (it starts at {last.start})")
        return 1
    if info.inactive_table:
        ctx.err(f"resize: {name} has an inactive table already; resume or clear it first")
        return 1
    old_rows = [(row.start, row.length, row.type, row.params) for row in rows]
    new_rows = old_rows[:-1] + [_resized(last, new_size)]
    try:
        dm.table_load(name, new_rows, info.read_only)
    except DMError as err:
        ctx.err(f"resize: {name}: the new table was refused: {strerror(err.errno)} (see dmesg)")
        return 1
    try:
        yield from dm.dev_resume(name)
    except DMError as err:
        # Put the old table back so nothing is left half-changed or suspended.
        ctx.err(f"resize: {name}: resume failed: {strerror(err.errno)} (see dmesg); old table restored")
        dm.table_load(name, old_rows, info.read_only)
        if not info.suspended:
            yield from dm.dev_resume(name)
        return 1
    ctx.out(f"{name}: {old_size} -> {new_size} sectors")
    return 0


def _resized(row: TableRow, new_size: int) -> tuple[int, int, str, str]:
    return row.start, new_size - row.start, row.type, row.params
