"""The lab's own commands: disks and their faults, the lab clock, help."""

from __future__ import annotations

from ..engine.block.disk import SectorFault
from ..engine.core.errno import DMError, strerror
from .context import Context
from .registry import DISK, REGISTRY, Arg, command, commands
from .resolver import command_for
from .sizes import parse_size


# ----------------------------------------------------------------------------- disks
@command(
    "disk create",
    "Create a lab disk /dev/NAME (sparse; --file keeps it in a sparse file; --write-cache gives it a volatile cache)",
    "disk create NAME SIZE [--file PATH] [--write-cache]",
    args=(Arg("name", "disk name"), Arg("size", "e.g. 1G, 512M, 2048s")),
    palette=True,
)
def disk_create(ctx: Context, argv: list[str]) -> int:
    usage = "usage: disk create NAME SIZE [--file PATH] [--write-cache]"
    path = None
    write_cache = "--write-cache" in argv
    argv = [a for a in argv if a != "--write-cache"]
    if "--file" in argv:
        i = argv.index("--file")
        if i + 1 >= len(argv):
            ctx.err("disk create: --file needs a path")
            return 1
        path = argv[i + 1]
        argv = argv[:i] + argv[i + 2 :]
    if len(argv) != 2:
        ctx.err(usage)
        return 1
    sectors = parse_size(argv[1], sectors=True)
    if sectors is None or sectors <= 0:
        ctx.err(f"disk create: invalid size '{argv[1]}'")
        return 1
    try:
        disk = ctx.engine.block.disk_create(argv[0], sectors, path, write_cache)
    except DMError as err:
        ctx.err(f"disk create: {err.reason or strerror(err.errno)}")
        return 1
    except OSError as err:
        ctx.err(f"disk create: {path}: {err.strerror}")
        return 1
    ctx.out(f"{disk.path} ({disk.devno}) {disk.size_sectors} sectors")
    return 0


@command("disk ls", "List disks", "disk ls")
def disk_ls(ctx: Context, argv: list[str]) -> int:
    engine = ctx.engine
    ctx.out(f"{'NAME':<10} {'MAJ:MIN':<8} {'SECTORS':>12} {'OPEN':>4} {'STORED':>10} {'DIRTY':>6}  FAULTS")
    for disk in sorted(engine.block.disks.values(), key=lambda d: (d.major, d.minor)):
        dirty = str(len(disk.cached)) if disk.write_cache else "-"  # sectors in the volatile cache
        ctx.out(
            f"{disk.name:<10} {disk.devno:<8} {disk.size_sectors:>12} {disk.open_count:>4} "
            f"{disk.store.bytes_stored:>10} {dirty:>6}  {disk.faults.describe()}"
        )
    return 0


@command(
    "disk fault",
    "Inject a disk fault: fail | error START LEN [r|w|rw] | corrupt START LEN | latency MS | clear",
    "disk fault NAME fail|error|corrupt|latency|clear [START LEN [r|w|rw] | MS]",
    args=(
        Arg("name", "disk", DISK),
        Arg("fault", "fail the whole disk, error or corrupt a range, slow every I/O, or clear",
            choices=("fail", "error", "corrupt", "latency", "clear")),
    ),
    destructive=True,
    palette=True,
)
def disk_fault(ctx: Context, argv: list[str]) -> int:
    """Faults act on the next bio: what is in flight (or waiting out a latency) keeps its fate."""
    if len(argv) < 2:
        ctx.err(FAULT_USAGE)
        return 1
    disk = ctx.engine.block.disks.get(argv[0].removeprefix("/dev/"))
    if disk is None:
        ctx.err(f"disk fault: no disk {argv[0]}")
        return 1
    kind, rest = argv[1], argv[2:]
    if kind == "fail" and not rest:
        disk.faults.failed = True
    elif kind == "clear" and not rest:
        disk.faults.failed = False
        disk.faults.ranges.clear()
        disk.faults.latency = 0.0
    elif kind == "latency" and len(rest) == 1 and _is_number(rest[0]):
        disk.faults.latency = float(rest[0]) / 1000
    elif kind in ("error", "corrupt") and len(rest) in (2, 3) and rest[0].isdigit() and rest[1].isdigit():
        ops = rest[2] if len(rest) == 3 else ("rw" if kind == "error" else "r")
        if ops not in ("r", "w", "rw"):
            ctx.err(f"disk fault: bad op set '{ops}' (r, w or rw)")
            return 1
        disk.faults.ranges.append(SectorFault(int(rest[0]), int(rest[1]), kind, ops))
    else:
        ctx.err(FAULT_USAGE)
        return 1
    ctx.engine.note("state", disk.name, f"fault: {disk.faults.describe()}")
    return 0


def _is_number(text: str) -> bool:
    try:
        return float(text) >= 0
    except ValueError:
        return False


FAULT_USAGE = "usage: disk fault NAME fail | error START LEN [r|w|rw] | corrupt START LEN | latency MS | clear"


@command(
    "disk powercut",
    "Cut a disk's power: what its volatile write cache held and nothing flushed is lost",
    "disk powercut NAME",
    args=(Arg("name", "disk", DISK),),
    destructive=True,
    palette=True,
)
def disk_powercut(ctx: Context, argv: list[str]) -> int:
    if len(argv) != 1:
        ctx.err("usage: disk powercut NAME")
        return 1
    disk = ctx.engine.block.disks.get(argv[0].removeprefix("/dev/"))
    if disk is None:
        ctx.err(f"disk powercut: no disk {argv[0]}")
        return 1
    lost = disk.power_cut()
    ctx.out(f"{disk.name}: power cut, {lost} unflushed sector{'s' if lost != 1 else ''} lost")
    ctx.engine.note("state", disk.name, f"power cut: {lost} unflushed sectors lost")
    return 0


@command(
    "disk rm",
    "Remove a lab disk that nothing uses",
    "disk rm NAME",
    args=(Arg("name", "disk", DISK),),
    destructive=True,
)
def disk_rm(ctx: Context, argv: list[str]) -> int:
    if len(argv) != 1:
        ctx.err("usage: disk rm NAME")
        return 1
    try:
        ctx.engine.block.disk_remove(argv[0].removeprefix("/dev/"))
    except DMError as err:
        ctx.err(f"disk rm: {err.reason or strerror(err.errno)}")
        return 1
    return 0


# ----------------------------------------------------------------------------- clock
@command(
    "clock",
    "Lab clock: show, pause, resume, speed FACTOR, advance SECONDS",
    "clock [pause|resume|speed X|advance S]",
    args=(Arg("action", "what to do with the lab clock", choices=("pause", "resume", "speed", "advance")),),
    palette=True,
)
def clock(ctx: Context, argv: list[str]):
    engine = ctx.engine
    thread = engine.thread
    if not argv:
        state = "paused" if thread.paused else f"x{thread.speed:g}"
        ctx.out(f"lab time {engine.clock.now:.3f} s ({state}{', stepped' if not engine.threaded else ''})")
        return 0
    action = argv[0]
    if action == "pause" and len(argv) == 1:
        thread.paused = True
    elif action == "resume" and len(argv) == 1:
        thread.paused = False
    elif action == "speed" and len(argv) == 2:
        try:
            factor = float(argv[1].lstrip("x"))
        except ValueError:
            factor = -1
        if factor < 0:
            ctx.err(f"clock: invalid speed '{argv[1]}'")
            return 1
        thread.speed = factor
        thread.paused = factor == 0
    elif action == "advance" and len(argv) == 2:
        try:
            seconds = float(argv[1].rstrip("s"))
        except ValueError:
            ctx.err(f"clock: invalid time '{argv[1]}'")
            return 1
        engine.advance(seconds)
    else:
        ctx.err("usage: clock [pause|resume|speed FACTOR|advance SECONDS]")
        return 1
    return 0


def _help_for(ctx: Context, words: list[str]) -> int:
    """One command's usage and arguments, or every command of a group (`help disk`, `help dmsetup`)."""
    cmd = REGISTRY.get(" ".join(words))
    if cmd is None:
        found = command_for(words)  # `help suspend` is `help dmsetup suspend`
        if found is not None and found.words[-len(words) :] == tuple(words):
            cmd = found
    group = [c for c in commands() if c.words[: len(words)] == tuple(words) and len(c.words) > len(words)]
    if cmd is None and not group:
        ctx.err(f"help: no such command: {' '.join(words)}")
        return 1
    if cmd is not None:
        ctx.out(f"{cmd.usage}")
        ctx.out(f"  {cmd.summary}")
        for arg in cmd.args:
            ctx.out(f"  {arg.name:<12} {arg.help}")
        if cmd.destructive:
            ctx.out("  (destructive: the console asks before running it)")
    for sub in group:
        ctx.out(f"{sub.name:<20} {sub.summary}")
    return 0


@command("help", "List commands, or show one command's usage", "help [COMMAND]")
def help_(ctx: Context, argv: list[str]) -> int:
    if argv:
        return _help_for(ctx, argv)
    for cmd in commands():
        if cmd.name == "dmsetup":
            continue
        ctx.out(f"{cmd.name:<20} {cmd.summary}")
    return 0


@command("ls", "The shell's ls: the lab has no files to list (`ls` alone, or with dmsetup's options, is "
         "`dmsetup ls`)", "ls [dmsetup ls options]")
def ls(ctx: Context, argv: list[str]) -> int:
    ctx.err(f"dmconsole: ls {' '.join(argv)}: the lab has no files to list; `dmsetup ls` lists mapped devices, "
            "`disk ls` lists disks")
    return 2
