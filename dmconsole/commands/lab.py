"""Lab and shell commands: echo, printf, sleep, wait, dmesg, modprobe, disk, blockdev, clock, help."""

from __future__ import annotations

import hashlib

from ..engine.errors import DMError, strerror
from ..engine.tasks import Until
from .context import Context
from .registry import BLOCKDEV, DISK, JOB, Arg, command, commands, resolve
from .sizes import parse_size


@command("echo", "Print the arguments", "echo [-n] [-e] WORDS...")
def echo(ctx: Context, argv: list[str]) -> int:
    newline = True
    while argv and argv[0] in ("-n", "-e", "-ne", "-en"):
        newline = newline and "n" not in argv[0]
        argv = argv[1:]
    ctx.write(" ".join(argv) + ("\n" if newline else ""))
    return 0


def _printf_escapes(text: str) -> str:
    out, i = [], 0
    simple = {"n": "\n", "t": "\t", "\\": "\\", "r": "\r", "a": "\a", "0": "\0", '"': '"'}
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in simple:
            out.append(simple[text[i + 1]])
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


@command("printf", "Format and print, as the shell's printf (%s %d %%, backslash escapes)", "printf FORMAT [ARGS...]")
def printf(ctx: Context, argv: list[str]) -> int:
    if not argv:
        ctx.err("printf: usage: printf format [arguments]")
        return 2
    fmt, args = _printf_escapes(argv[0]), argv[1:]
    out: list[str] = []
    while True:
        i = 0
        while i < len(fmt):
            ch = fmt[i]
            if ch == "%" and i + 1 < len(fmt):
                spec = fmt[i + 1]
                if spec == "%":
                    out.append("%")
                elif spec in "sdu":
                    value = args.pop(0) if args else ""
                    out.append(value if spec == "s" else str(int(value or 0)))
                else:
                    out.append(ch + spec)
                i += 2
            else:
                out.append(ch)
                i += 1
        if not args or "%" not in fmt:
            break
    ctx.write("".join(out))
    return 0


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
    engine = ctx.engine
    deadline = engine.clock.now + seconds
    engine.clock.call_at(deadline, lambda: None)  # something is due then, so time can get there
    yield Until(lambda: engine.clock.now >= deadline, f"sleep {argv[0]}")
    return 0


@command(
    "wait",
    "Wait for background jobs (`CMD &`); `wait DEV [N]` is dmsetup wait",
    "wait [%JOB]",
    args=(Arg("job", "job number", JOB, optional=True),),
)
def wait_jobs(ctx: Context, argv: list[str]):
    session = ctx.session
    jobs = list(session.running_jobs())
    yield Until(lambda: all(job.done for job in jobs), "background jobs")
    status = 0
    for job in jobs:
        status = job.task.result if isinstance(job.task.result, int) else 0
    return status


@command("jobs", "List background jobs", "jobs")
def jobs(ctx: Context, argv: list[str]) -> int:
    running = ctx.session.running_jobs()
    for index, job in enumerate(running):
        mark = "+" if index == len(running) - 1 else "-" if index == len(running) - 2 else " "
        ctx.out(f"[{job.number}]{mark} Running                 {job.text} &")
    return 0


@command("true", "Do nothing, successfully", "true")
def true_(ctx: Context, argv: list[str]) -> int:
    return 0


@command("false", "Do nothing, unsuccessfully", "false")
def false_(ctx: Context, argv: list[str]) -> int:
    return 1


@command("sync", "Flush buffered writes (the lab has no page cache: nothing to do)", "sync")
def sync(ctx: Context, argv: list[str]) -> int:
    return 0


@command("dmesg", "Show the kernel log (-c: then clear it)", "dmesg [-c|-C]")
def dmesg(ctx: Context, argv: list[str]) -> int:
    klog = ctx.engine.klog
    if "-C" not in argv:
        for line in klog.lines():
            ctx.out(line.dmesg())
    if "-c" in argv or "-C" in argv:
        klog.clear()
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
    engine = ctx.engine
    deadline = engine.clock.now + seconds
    engine.clock.call_at(deadline, lambda: None)
    inner = ctx.session.run_argv(argv[1:], ctx.stdin, ctx._stdout, ctx._stderr)
    try:
        waiting = inner.send(None)
        while True:
            current = waiting
            yield Until(lambda current=current: current.predicate() or engine.clock.now >= deadline, current.what)
            if not current.predicate():
                if current.uninterruptible:
                    # SIGTERM cannot end a process in D state: timeout waits until its I/O is done.
                    yield Until(current.predicate, current.what, uninterruptible=True)
                inner.close()
                return 124
            waiting = inner.send(None)
    except StopIteration as stop:
        return stop.value


@command(
    "modprobe",
    "Load a module: `modprobe brd rd_nr=N rd_size=KIB` makes /dev/ram0..",
    "modprobe brd [rd_nr=N] [rd_size=KIB]",
)
def modprobe(ctx: Context, argv: list[str]) -> int:
    if not argv:
        ctx.err("modprobe: ERROR: missing parameters. See -h.")
        return 1
    module, params = argv[0], argv[1:]
    if module.startswith("dm-") or module.startswith("dm_") or module in ("dm_mod", "raid456", "raid1", "raid10"):
        return 0  # the device-mapper modules are built in here
    if module != "brd":
        ctx.err(f"modprobe: FATAL: Module {module} not found in directory /lib/modules/6.1.0-dmconsole")
        return 1
    values = {"rd_nr": 16, "rd_size": 4096, "max_part": 1}
    for param in params:
        key, _, value = param.partition("=")
        if key not in values or not value.isdigit():
            ctx.engine.klog.log(f"brd: unknown parameter '{key}' ignored")
            continue
        values[key] = int(value)
    ctx.engine.modprobe_brd(values["rd_nr"], values["rd_size"])
    return 0


@command(
    "blockdev",
    "Device sizes: --getsz (sectors) or --getsize64 (bytes)",
    "blockdev --getsz|--getsize64 DEVICE",
    args=(
        Arg("option", "what to print", choices=("--getsz", "--getsize64", "--getss", "--getro")),
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
    status = 0
    for path in devices:
        dev = ctx.engine.lookup_path(path)
        if dev is None:
            ctx.err(f"blockdev: cannot open {path}: No such file or directory")
            status = 1
            continue
        for option in options:
            if option == "--getsz":
                ctx.out(str(dev.size_sectors))
            elif option == "--getsize64":
                ctx.out(str(dev.size_sectors * 512))
            elif option == "--getss":
                ctx.out("512")
            elif option == "--getro":
                ctx.out("1" if dev.read_only else "0")
            else:
                ctx.err(f"blockdev: Unknown command: {option}")
                return 1
    return status


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
        disk = ctx.engine.disk_create(argv[0], sectors, path, write_cache)
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
    for disk in sorted(engine.disks.values(), key=lambda d: (d.major, d.minor)):
        dirty = str(len(disk.cached)) if disk.write_cache else "-"  # sectors in the volatile cache
        ctx.out(
            f"{disk.name:<10} {disk.devno:<8} {disk.size_sectors:>12} {engine.open_count(disk):>4} "
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
    from ..engine.disk import SectorFault

    if len(argv) < 2:
        ctx.err(FAULT_USAGE)
        return 1
    disk = ctx.engine.disks.get(argv[0].removeprefix("/dev/"))
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
    disk = ctx.engine.disks.get(argv[0].removeprefix("/dev/"))
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
        ctx.engine.disk_remove(argv[0].removeprefix("/dev/"))
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
    if not argv:
        state = "paused" if engine.paused else f"x{engine.speed:g}"
        ctx.out(f"lab time {engine.clock.now:.3f} s ({state}{', stepped' if not engine.threaded else ''})")
        return 0
    action = argv[0]
    if action == "pause" and len(argv) == 1:
        engine.paused = True
    elif action == "resume" and len(argv) == 1:
        engine.paused = False
    elif action == "speed" and len(argv) == 2:
        try:
            factor = float(argv[1].lstrip("x"))
        except ValueError:
            factor = -1
        if factor < 0:
            ctx.err(f"clock: invalid speed '{argv[1]}'")
            return 1
        engine.speed = factor
        engine.paused = factor == 0
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
    cmd, rest = resolve(words)
    if cmd is None and words[0] != "dmsetup":
        cmd, rest = resolve(["dmsetup"] + words)
    group = [c for c in commands() if c.name.split()[: len(words)] == words and len(c.name.split()) > len(words)]
    if (cmd is None or rest) and not group:
        ctx.err(f"help: no such command: {' '.join(words)}")
        return 1
    if cmd is not None and not rest:
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
