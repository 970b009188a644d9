"""sleep and timeout (GNU coreutils), on the lab clock."""

from __future__ import annotations

from ...engine.core.waits import AnyOf, Sleep
from ..context import Context
from ..registry import Arg, command


@command(
    "sleep",
    "Let lab time pass (timers, workloads and background jobs run)",
    "sleep SECONDS",
    args=(Arg("seconds", "lab seconds"),),
)
def sleep(ctx: Context, argv: list[str]):
    if len(argv) != 1:
        ctx.err("sleep: missing operand" if not argv else "sleep: extra operand")
        return 1
    try:
        seconds = float(argv[0].rstrip("s"))
    except ValueError:
        ctx.err(f"sleep: invalid time interval '{argv[0]}'")
        return 1
    clock = ctx.engine.clock
    yield Sleep(clock, clock.now + seconds, f"sleep {argv[0]}")
    return 0


@command("timeout", "Run a command, stopping it after SECONDS of lab time (exit 124)", "timeout SECONDS COMMAND...")
def timeout(ctx: Context, argv: list[str]):
    if len(argv) < 2:
        ctx.err("timeout: missing operand")
        return 125
    try:
        seconds = float(argv[0].rstrip("s"))
    except ValueError:
        ctx.err(f"timeout: invalid time interval '{argv[0]}'")
        return 125
    clock = ctx.engine.clock
    deadline = Sleep(clock, clock.now + seconds, "timeout")
    inner = ctx.session.run_argv(argv[1:], ctx.stdin, ctx.stdout, ctx.stderr)
    try:
        waiting = inner.send(None)
        while True:
            yield AnyOf(waiting, deadline, what=waiting.what)
            if not waiting.ready():
                if waiting.uninterruptible:
                    # SIGTERM cannot end a process in D state: timeout waits until its I/O is done.
                    yield waiting
                return 124
            waiting = inner.send(None)
    except StopIteration as stop:
        return stop.value
    finally:
        inner.close()
