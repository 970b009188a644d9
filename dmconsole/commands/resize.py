"""`resize DEV SIZE`: what lvextend/lvreduce do to the device-mapper layer — reload the table with
the last target's length changed, then suspend and resume; undone on any failure."""

from __future__ import annotations

from ..engine.errors import DMError, strerror
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
    engine = ctx.engine
    md = engine.find_md(argv[0])
    if md is None or md.live is None:
        ctx.err(f"resize: {argv[0]}: no such active device")
        return 1
    text = argv[1]
    sign = text[0] if text[:1] in "+-" else ""
    amount = parse_size(text.lstrip("+-"), sectors=True)
    if amount is None:
        ctx.err(f"resize: invalid size '{text}'")
        return 1
    old_size = md.size_sectors
    new_size = old_size + amount if sign == "+" else old_size - amount if sign == "-" else amount
    rows = engine.table_lines(md)
    start, length, ttype, params = rows[-1]
    if new_size <= start:
        ctx.err(f"resize: {md.name}: {new_size} sectors would remove the last target (it starts at {start})")
        return 1
    rows[-1] = (start, new_size - start, ttype, params)
    was_suspended = md.suspended
    had_inactive = md.inactive is not None
    if had_inactive:
        ctx.err(f"resize: {md.name} has an inactive table already; resume or clear it first")
        return 1
    try:
        engine.table_load(md.name, rows, md.read_only)
    except DMError as err:
        ctx.err(f"resize: {md.name}: the new table was refused: {strerror(err.errno)} (see dmesg)")
        return 1
    try:
        yield from engine.dev_resume(md.name)
    except DMError as err:
        # Put the old table back so nothing is left half-changed or suspended.
        ctx.err(f"resize: {md.name}: resume failed: {strerror(err.errno)} (see dmesg); old table restored")
        engine.table_load(md.name, engine_rows_before(rows, length, start), md.read_only)
        if not was_suspended:
            yield from engine.dev_resume(md.name)
        return 1
    ctx.out(f"{md.name}: {old_size} -> {new_size} sectors")
    return 0


def engine_rows_before(rows, old_length: int, start: int):
    """The table rows as they were before the last target's length changed."""
    restored = list(rows)
    _, _, ttype, params = restored[-1]
    restored[-1] = (start, old_length, ttype, params)
    return restored
