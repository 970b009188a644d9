"""`dmsetup`, as Debian 12's dmsetup (libdevmapper 1.02.185) behaves: commands, output formats, error texts.

The flow follows dmsetup's main(): getopt and the switch checks (``Couldn't
process command line.``), the command and its argument count (``Unknown
command.`` / ``Incorrect number of arguments.`` with the usage text), ``-o``,
the ``-c`` report, then the command run once per device named, stopping at the
first one that fails (``Command failed.``). Errors from the kernel are printed
in libdm's words, naming the device the way the task named it.

``-S`` on a command that takes devices (remove, suspend, resume, clear,
wipe_table, deps, status, table, measure) runs ``info -c`` instead, and that
report runs the command on each device its selection picks (other commands
ignore ``-S`` unless ``-c`` makes a report). ``--count``/``--interval`` repeat
the command, and print the report after each run, on the --interval timer.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...engine.core.waits import Sleep, drive
from ..context import Context
from ..registry import DEVICE, MESSAGE, TABLE, TARGET_TYPE, Arg, command
from .cli import Opts, UsageError, c_atoi, parse_options, units_factor, usage_text
from .commands import (
    cmd_clear,
    cmd_create,
    cmd_deps,
    cmd_info,
    cmd_load,
    cmd_ls,
    cmd_message,
    cmd_mknodes,
    cmd_remove,
    cmd_remove_all,
    cmd_rename,
    cmd_resume,
    cmd_splitname,
    cmd_suspend,
    cmd_target_version,
    cmd_targets,
    cmd_version,
    cmd_wait,
    error_device,
    status_command,
)
from .common import CommandFn, Run, Step
from .report import field_help
from .reporter import make_report
from .tree import parse_tree_options

__all__ = ["COMMANDS", "SUBCOMMANDS", "Opts", "UsageError", "parse_options", "run_dmsetup"]


def cmd_help(run: Run, argv: list[str], name: str | None, multiple: bool) -> bool:
    """_dmsetup_help(): the usage (and with -c, the report fields) on stderr."""
    print_usage(run)
    if run.has("columns"):
        for line in field_help() + [" "]:
            run.err(line)
    return True


def cmd_unsupported(run: Run, argv: list[str], name: str | None, multiple: bool) -> bool:
    run.err(f"dmconsole: dmsetup {run.command} is not available in the lab.")
    return False


def print_usage(run: Run) -> None:
    for line in usage_text([(c.name, c.help) for c in COMMANDS]).split("\n")[:-1]:
        run.err(line)


# ----------------------------------------------------------------------------- the command table
@dataclass(frozen=True)
class Sub:
    """One dmsetup command: libdm's table entry, plus what the front ends offer with it."""

    name: str
    help: str
    min_args: int
    max_args: int  # -1: any number
    repeatable: int  # 1: run once per device named; 2: and, with -S, once per device the selection picks
    fn: CommandFn
    summary: str = ""
    args: tuple[Arg, ...] = ()
    destructive: bool = False
    palette: bool = False


_DEV = Arg("device", "mapped device name", DEVICE)
_TABLE = Arg("table", "table line(s)", TABLE)
COMMANDS: list[Sub] = [
    Sub("help", "[-c|-C|--columns]", 0, 0, 0, cmd_help, "Show dmsetup usage"),
    Sub(
        "create",
        "<dev_name>\n"
        "\t    [-j|--major <major> -m|--minor <minor>]\n"
        "\t    [-U|--uid <uid>] [-G|--gid <gid>] [-M|--mode <octal_mode>]\n"
        "\t    [-u|--uuid <uuid>] [--addnodeonresume|--addnodeoncreate]\n"
        "\t    [--readahead {[+]<sectors>|auto|none}]\n"
        "\t    [-n|--notable|--table {<table>|<table_file>}]\n"
        "\tcreate --concise [<concise_device_spec_list>]",
        0,
        2,
        0,
        cmd_create,
        "Create a mapped device and load its table",
        (Arg("name", "new device name"), _TABLE),
        palette=True,
    ),
    Sub(
        "remove",
        "[--deferred] [-f|--force] [--retry] <device>...",
        0,
        -1,
        2,
        cmd_remove,
        "Remove a mapped device",
        (_DEV,),
        destructive=True,
        palette=True,
    ),
    Sub(
        "remove_all",
        "[-f|--force]",
        0,
        0,
        0,
        cmd_remove_all,
        "Remove every mapped device that is not open",
        destructive=True,
    ),
    Sub(
        "suspend",
        "[--noflush] [--nolockfs] <device>...",
        0,
        -1,
        2,
        cmd_suspend,
        "Suspend a device: hold new I/O until resume",
        (_DEV,),
        palette=True,
    ),
    Sub(
        "resume",
        "[--noflush] [--nolockfs] <device>...\n"
        "\t       [--addnodeonresume|--addnodeoncreate]\n"
        "\t       [--readahead {[+]<sectors>|auto|none}]",
        0,
        -1,
        2,
        cmd_resume,
        "Resume a device, swapping in its inactive table",
        (_DEV,),
        palette=True,
    ),
    Sub(
        "load",
        "<device> [<table>|<table_file>]",
        0,
        2,
        0,
        cmd_load,
        "Load a table into the inactive slot",
        (_DEV, _TABLE),
        palette=True,
    ),
    Sub("clear", "<device>", 0, -1, 2, cmd_clear, "Drop the inactive table", (_DEV,), palette=True),
    Sub(
        "reload",
        "<device> [<table>|<table_file>]",
        0,
        2,
        0,
        cmd_load,
        "Load a table into the inactive slot (resize, retarget)",
        (_DEV, _TABLE),
        palette=True,
    ),
    Sub(
        "wipe_table",
        "[-f|--force] [--noflush] [--nolockfs] <device>...",
        0,
        -1,
        2,
        error_device,
        "Replace a device's table with an error table of the same size",
        (_DEV,),
        destructive=True,
    ),
    Sub(
        "rename",
        "<device> [--setuuid] <new_name_or_uuid>",
        1,
        2,
        0,
        cmd_rename,
        "Rename a device",
        (_DEV, Arg("new_name", "new name")),
        palette=True,
    ),
    Sub("measure", "[<device>...]", 0, -1, 2, cmd_unsupported, "IMA measurement of the tables"),
    Sub(
        "message",
        "<device> <sector> <message>",
        2,
        -1,
        0,
        cmd_message,
        "Send a message to a target",
        (_DEV, Arg("sector", "sector (0 for a one-target table)"), Arg("message", "message words", MESSAGE)),
        palette=True,
    ),
    Sub(
        "ls",
        "[--target <target_type>] [--exec <command>] [-o <options>] [--tree]",
        0,
        0,
        0,
        cmd_ls,
        "List mapped devices",
        (Arg("--target", "target type", TARGET_TYPE, optional=True),),
    ),
    Sub("info", "[<device>...]", 0, -1, 1, cmd_info, "Show device information", (_DEV,)),
    Sub("deps", "[-o <options>] [<device>...]", 0, -1, 2, cmd_deps, "Show the devices a table uses", (_DEV,)),
    Sub("stats", "<command> [<options>] [<device>...]", 1, -1, 1, cmd_unsupported, "I/O statistics (dmstats)"),
    Sub(
        "status",
        "[<device>...] [--noflush] [--target <target_type>]",
        0,
        -1,
        2,
        status_command("status"),
        "Show each target's status line",
        (_DEV,),
    ),
    Sub(
        "table",
        "[<device>...] [--concise] [--target <target_type>] [--showkeys]",
        0,
        -1,
        2,
        status_command("table"),
        "Show the table",
        (_DEV,),
    ),
    Sub(
        "wait",
        "<device> [<event_nr>] [--noflush]",
        0,
        2,
        0,
        cmd_wait,
        "Wait for the device's event number to move on",
        (_DEV, Arg("event_nr", "event number", optional=True)),
    ),
    Sub("mknodes", "[<device>...]", 0, -1, 1, cmd_mknodes, "Make the /dev/mapper nodes"),
    Sub("mangle", "[<device>...]", 0, -1, 1, cmd_unsupported, "Mangle device names"),
    Sub("udevcreatecookie", "", 0, 0, 0, cmd_unsupported, "udev transactions"),
    Sub("udevreleasecookie", "[<cookie>]", 0, 1, 0, cmd_unsupported, "udev transactions"),
    Sub("udevflags", "<cookie>", 1, 1, 0, cmd_unsupported, "udev transactions"),
    Sub("udevcomplete", "<cookie>", 1, 1, 0, cmd_unsupported, "udev transactions"),
    Sub("udevcomplete_all", "[<age_in_minutes>]", 0, 1, 0, cmd_unsupported, "udev transactions"),
    Sub("udevcookies", "", 0, 0, 0, cmd_unsupported, "udev transactions"),
    Sub(
        "target-version",
        "[<target>...]",
        1,
        -1,
        1,
        cmd_target_version,
        "Show target types' versions",
        (Arg("target", "target type", TARGET_TYPE),),
    ),
    Sub("targets", "", 0, 0, 0, cmd_targets, "List the target types and their versions"),
    Sub("version", "", 0, 0, 0, cmd_version, "Show library and driver versions"),
    Sub("setgeometry", "<device> <cyl> <head> <sect> <start>", 5, 5, 0, cmd_unsupported, "Set the geometry"),
    Sub("splitname", "<device> [<subsystem>]", 1, 2, 0, cmd_splitname, "Split an LVM name into its parts"),
]
SUBCOMMANDS: dict[str, Sub] = {sub.name: sub for sub in COMMANDS}


# ----------------------------------------------------------------------------- main()
def run_dmsetup(ctx: Context, argv: list[str]) -> Step:
    """Entry point for `dmsetup ARGS...`."""
    try:
        opts, rest = parse_options(argv)
    except UsageError as exc:
        for warning in getattr(exc, "warnings", []):
            ctx.err(warning)
        ctx.err(str(exc))
        ctx.err("Couldn't process command line.")
        return 1
    for warning in opts.warnings:
        ctx.err(warning)
    run = Run(ctx, opts)
    if opts.has("help") or opts.has("version"):
        sub, args = SUBCOMMANDS["help" if opts.has("help") else "version"], rest[1:]
        run.command = sub.name
        yield from perform(run, sub, args)
        finish_report(run, 1)
        return 0
    prepared = prepare(run, rest)
    if prepared is None:
        return 1
    sub, args = prepared
    ok = yield from repeat(run, sub, args, repeat_count(run))
    return 0 if ok else 1


def repeat(run: Run, sub: Sub, args: list[str], count: int | None) -> Step:
    """main()'s loop: the command --count times (None: until interrupted), the report after each run.

    Between reports it waits for the next tick of the --interval timer, which started before the first run.
    """
    ticks = Ticks(run) if count is None or count > 1 else None
    while True:
        ok = yield from perform(run, sub, args)
        more = count is None or count > 1
        if finish_report(run, c_atoi(run.opts.get("count") or "")) and more and ok and ticks is not None:
            run.ctx.write("\n")
            yield from ticks.wait()
        if not ok:
            return False
        if count is not None:
            count -= 1
            if count == 0:
                return True


def finish_report(run: Run, count_arg: int) -> bool:
    """After each run: the --concise line's end, then the report (headings again when repeating). True if a report."""
    if run.concise_output:
        run.ctx.write("\n")
    if run.report is None:
        return False
    if count_arg != 1 and run.report.rows:
        run.report.column_headings(run)
    run.report.output(run)
    return True


class Ticks:
    """The --interval timer (a periodic timerfd armed before the first run), on the lab clock."""

    def __init__(self, run: Run):
        self.run = run
        self.start = run.engine.clock.now
        self.interval = float(c_atoi(run.opts.get("interval") or "") or 1)
        self.expired = 0

    def wait(self) -> Step:
        """Until the next tick; a late run has missed ticks, and says so."""
        clock = self.run.engine.clock
        due = self.start + (self.expired + 1) * self.interval
        if clock.now < due:
            yield Sleep(clock, due, "dmsetup --interval")
        expired = max(1, int((clock.now - self.start) / self.interval + 1e-9) - self.expired)
        if expired > 1:
            self.run.err(f"WARNING: Try increasing --interval ({expired - 1} missed timer events).")
        self.expired += expired
        return True


def repeat_count(run: Run) -> int | None:
    """_count: --count N; --count 0, or --interval without --count, until interrupted (None); else once."""
    opts = run.opts
    if opts.has("count") and c_atoi(opts.get("count") or ""):
        return c_atoi(opts.get("count") or "")
    if opts.has("count") or opts.has("interval"):
        return None
    return 1


def prepare(run: Run, rest: list[str]) -> tuple[Sub, list[str]] | None:
    """The command, its argument count, -o, -S and the report; None (after saying why) if any is wrong."""
    if not rest:
        print_usage(run)
        return None
    sub = SUBCOMMANDS.get(rest[0])
    if sub is None:
        run.err("Unknown command.")
        print_usage(run)
        return None
    args = rest[1:]
    if len(args) < sub.min_args or (sub.max_args >= 0 and len(args) > sub.max_args):
        run.err("Incorrect number of arguments.")
        print_usage(run)
        return None
    run.command = sub.name
    if sub.name == "splitname":
        run.opts.flags["columns"] = run.opts.count("columns") + 1
    if not process_options(run):
        run.err("Couldn't process command line.")
        return None
    sub = select_through_info(run, sub)
    if run.has("columns"):
        run.report = make_report(run, sub.name)
        if run.report is None:
            return None
    if not check_run_switches(run):
        return None
    return sub, args


def select_through_info(run: Run, sub: Sub) -> Sub:
    """With -S, a command that takes devices (remove, suspend, status, table, deps...) runs `info -c` first.

    The report then runs the real command for each device its selection picks, and prints nothing itself.
    """
    if not run.has("select") or sub.repeatable != 2:
        return sub
    run.selection_cmd = sub.fn
    run.opts.flags["columns"] = 1
    return SUBCOMMANDS["info"]


def check_run_switches(run: Run) -> bool:
    """--units must name a unit; and the lab will not repeat without end (or pause) a command with no report."""
    units = run.opts.get("units")
    if units is not None and not units_factor(units):
        run.err("Invalid --units argument.")
        return False
    if repeat_count(run) is None and run.report is None:
        run.err(
            f"dmconsole: dmsetup {run.command} with --count 0 (or --interval without --count) and no report "
            "would run again and again, without pause, until interrupted; give --count N."
        )
        return False
    return True


def process_options(run: Run) -> bool:
    """_process_options(): tree options with --tree, else devno|devname|blkdevname (each may be cut short)."""
    text = run.opts.get("options")
    if run.has("tree"):
        options, bad = parse_tree_options(text)
        if options is None:
            run.err(f"Tree options not recognised: {bad}.")
            return False
        run.tree_options = options
        return True
    if run.has("columns") or text is None:
        return True
    pos = 0
    while pos < len(text):
        end = text.find(",", pos)
        end = len(text) if end < 0 else end
        word = text[pos:end]
        chosen = next((o for o in ("devno", "blkdevname", "devname") if o.startswith(word)), None)
        if chosen is None:
            run.err(f"Option not recognised: {text[pos:]}.")
            return False
        run.dev_name_type = chosen
        pos = end + 1
    return True


def perform(run: Run, sub: Sub, args: list[str]) -> Step:
    """_perform_command_for_all_repeatable_args(): stop at the first device that fails."""
    opts = run.opts
    multiple = sub.repeatable and len(args) != 1 and bool(args or (opts.get("uuid") is None and not opts.has("major")))
    while True:
        if not (yield from drive(sub.fn(run, args, None, multiple))):
            run.err("Command failed.")
            return False
        if not (sub.repeatable and len(args) > 1):
            return True
        args = args[1:]


def _register() -> None:
    def make(sub: Sub):
        def handler(ctx: Context, argv: list[str]):
            return run_dmsetup(ctx, [sub.name] + argv)

        return handler

    command("dmsetup", "Device-mapper control (dmsetup)", "dmsetup [options] <command> [args]")(run_dmsetup)
    for sub in COMMANDS:
        command(
            f"dmsetup {sub.name}",
            sub.summary,
            " ".join(f"dmsetup {sub.name} {sub.help}".split()),
            args=sub.args,
            destructive=sub.destructive,
            palette=sub.palette,
        )(make(sub))


_register()
