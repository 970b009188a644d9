"""`io`: built-in I/O workloads with self-verifying data (start, stop, ls, verify)."""

from __future__ import annotations

from ..lab.workload import MODES, PATTERNS, WorkloadError
from .context import Context
from .registry import BLOCKDEV, Arg, command
from .sizes import parse_size

MAX_LISTED = 50  # bad blocks listed by `io verify` before "... and N more"

_START_USAGE = ("io start NAME DEVICE [--pattern seq|rand] [--rw write|read|mix] [--read-pct N] [--bs 4k] "
                "[--rate IOPS] [--duration SECONDS] [--span SECTORS] [--qd N]")
_OPTIONS = ("--pattern", "--rw", "--read-pct", "--bs", "--rate", "--duration", "--span", "--qd")


@command("io", "I/O workloads: io start|stop|ls|verify", "io start|stop|ls|verify ...")
def io_usage(ctx: Context, argv: list[str]) -> int:
    if argv:
        ctx.err(f"io: unknown subcommand '{argv[0]}'")
    ctx.err(f"usage: {_START_USAGE}")
    ctx.err("       io stop NAME")
    ctx.err("       io ls")
    ctx.err("       io verify NAME [DEVICE]")
    return 1


def _workload_names(ctx: Context) -> list[str]:
    return sorted(ctx.lab.workloads.names())


@command("io start", "Start an I/O workload with self-verifying data on a device (runs on the lab clock)",
         _START_USAGE,
         args=(Arg("name", "workload name"), Arg("device", "block device", BLOCKDEV)),
         options=_OPTIONS, palette=True,
         example="io start w1 /dev/mapper/lin --pattern rand --rw mix --rate 200 --duration 10")
def io_start(ctx: Context, argv: list[str]) -> int:
    positional: list[str] = []
    values: dict[str, str] = {}
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg.startswith("--"):
            key, eq, value = arg.partition("=")
            if key not in _OPTIONS:
                ctx.err(f"io start: unknown option '{key}'")
                ctx.err(f"usage: {_START_USAGE}")
                return 1
            if not eq:
                if i + 1 >= len(argv):
                    ctx.err(f"io start: option '{key}' needs a value")
                    return 1
                i += 1
                value = argv[i]
            values[key] = value
        else:
            positional.append(arg)
        i += 1
    if len(positional) != 2:
        ctx.err(f"usage: {_START_USAGE}")
        return 1
    name, path = positional
    options: dict = {}
    try:
        if "--pattern" in values:
            options["pattern"] = values["--pattern"]
            if options["pattern"] not in PATTERNS:
                raise WorkloadError(f"invalid pattern '{values['--pattern']}' (seq or rand)")
        if "--rw" in values:
            options["rw"] = values["--rw"]
            if options["rw"] not in MODES:
                raise WorkloadError(f"invalid mode '{values['--rw']}' (write, read or mix)")
        if "--read-pct" in values:
            options["read_pct"] = _integer(values["--read-pct"], "read percentage")
        if "--bs" in values:
            bs = parse_size(values["--bs"])
            if bs is None:
                raise WorkloadError(f"invalid block size '{values['--bs']}'")
            options["bs"] = bs
        if "--rate" in values:
            options["rate"] = _number(values["--rate"], "rate")
        if "--duration" in values:
            options["duration"] = _number(values["--duration"].rstrip("s"), "duration")
        if "--span" in values:
            span = parse_size(values["--span"], sectors=True)
            if span is None:
                raise WorkloadError(f"invalid span '{values['--span']}'")
            options["span"] = span
        if "--qd" in values:
            options["qd"] = _integer(values["--qd"], "queue depth")
        workload = ctx.lab.workloads.start(name, path, **options)
    except WorkloadError as err:
        ctx.err(f"io start: {err}")
        return 1
    ctx.out(f"io {workload.name}: {workload.describe()} on {workload.path}")
    return 0


def _integer(text: str, what: str) -> int:
    if not text.isdigit():
        raise WorkloadError(f"invalid {what} '{text}'")
    return int(text)


def _number(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise WorkloadError(f"invalid {what} '{text}'") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise WorkloadError(f"invalid {what} '{text}'")
    return value


@command("io stop", "Stop a workload (the I/O already in flight completes)", "io stop NAME",
         args=(Arg("name", "workload name"),), palette=True)
def io_stop(ctx: Context, argv: list[str]) -> int:
    if len(argv) != 1:
        ctx.err("usage: io stop NAME")
        return 1
    try:
        ctx.lab.workloads.stop(argv[0])
    except WorkloadError as err:
        ctx.err(f"io stop: {err}")
        return 1
    return 0


@command("io ls", "List workloads: I/Os done, errors, bytes written and read, bad reads, state", "io ls")
def io_ls(ctx: Context, argv: list[str]) -> int:
    if argv:
        ctx.err("usage: io ls")
        return 1
    workloads = [ctx.lab.workloads.by_name[name] for name in _workload_names(ctx)]
    if not workloads:
        ctx.out("No workloads")
        return 0
    ctx.out(f"{'NAME':<12} {'DEVICE':<20} {'PATTERN':<7} {'RW':<5} {'STATE':<8} {'IOS':>8} {'ERRORS':>6} "
            f"{'WRITTEN':>11} {'READ':>11} {'BAD':>4}")
    for w in workloads:
        bad = w.read_lost + w.read_corrupted
        ctx.out(f"{w.name:<12} {w.path:<20} {w.pattern:<7} {w.rw:<5} {w.state:<8} {w.ios_done:>8} {w.errors:>6} "
                f"{w.bytes_written:>11} {w.bytes_read:>11} {bad:>4}")
    return 0


@command("io verify", "Read back every block a workload wrote; report lost or corrupted blocks (exit 1 if any)",
         "io verify NAME [DEVICE]",
         args=(Arg("name", "workload name"),
               Arg("device", "read from this device instead (default: the workload's path)", BLOCKDEV,
                   optional=True)),
         palette=True)
def io_verify(ctx: Context, argv: list[str]):
    if len(argv) not in (1, 2):
        ctx.err("usage: io verify NAME [DEVICE]")
        return 1
    name = argv[0]
    workload = ctx.lab.workloads.get(name)
    if workload is None:
        ctx.err(f"io verify: no workload '{name}'")
        return 1
    # The device at the path now: a stack removed and built again is checked where it is.
    path = argv[1] if len(argv) == 2 else workload.path
    dev = ctx.engine.block.lookup(path) if path.startswith("/dev/") else None
    if dev is None:
        ctx.err(f"io verify: cannot open '{path}': No such file or directory")
        return 1
    needed = workload.span
    if dev.size_sectors < needed:
        ctx.err(f"io verify: {path} has {dev.size_sectors} sectors, the workload wrote {needed}")
        return 1
    report = yield from workload.verify(dev)
    ctx.out(f"io verify {name}: {report.checked} blocks checked, {report.lost} lost, {report.corrupted} corrupted")
    for bad in report.bad[:MAX_LISTED]:
        last = bad.sector + bad.sectors - 1
        ctx.out(f"  block {bad.block} (sectors {bad.sector}-{last}): {bad.kind}: {bad.detail}")
    if len(report.bad) > MAX_LISTED:
        ctx.out(f"  ... and {len(report.bad) - MAX_LISTED} more")
    return 1 if report.bad else 0
