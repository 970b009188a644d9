"""md5sum, head and sync (GNU coreutils) as scripts use them in pipelines."""

from __future__ import annotations

import hashlib

from ..context import Context
from ..registry import command
from ..sizes import parse_size


@command("sync", "Flush buffered writes (the lab has no page cache: nothing to do)", "sync")
def sync(ctx: Context, argv: list[str]) -> int:
    return 0


@command("md5sum", "MD5 of standard input", "md5sum")
def md5sum(ctx: Context, argv: list[str]) -> int:
    ctx.out(f"{hashlib.md5(ctx.stdin).hexdigest()}  -")
    return 0


@command("head", "First bytes of standard input", "head -c N")
def head(ctx: Context, argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "-c":
        count = parse_size(argv[1])
    elif len(argv) == 1 and argv[0].startswith("-c"):
        count = parse_size(argv[0][2:])
    else:
        ctx.err("head: only `head -c N` is supported")
        return 1
    if count is None:
        ctx.err(f"head: invalid number of bytes: '{argv[-1]}'")
        return 1
    ctx.write(ctx.stdin[:count])
    return 0
