"""`dmsetup`, as Debian 12's dmsetup (libdevmapper 1.02.185) behaves: commands, output formats, error texts.

The flow follows dmsetup's main(): getopt and the switch checks (``Couldn't
process command line.``), the command and its argument count (``Unknown
command.`` / ``Incorrect number of arguments.`` with the usage text), ``-o``,
the ``-c`` report, then the command run once per device named, stopping at the
first one that fails (``Command failed.``). Errors from the kernel are printed
in libdm's words, naming the device the way the task named it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .context import Context
from .dmsetup_cli import Opts, UsageError, parse_options, usage_text
from .dmsetup_commands import (
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
from .dmsetup_common import CommandFn, Run, Step, drive
from .dmsetup_report import field_help, make_report
from .dmsetup_tree import parse_tree_options
from .registry import DEVICE, MESSAGE, TABLE, TARGET_TYPE, Arg, command

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
    repeatable: bool  # run once per device named
    fn: CommandFn
    summary: str = ""
    args: tuple[Arg, ...] = ()
    destructive: bool = False
    palette: bool = False


_DEV = Arg("device", "mapped device name", DEVICE)
_TABLE = Arg("table", "table line(s)", TABLE)
COMMANDS: list[Sub] = [
    Sub("help", "[-c|-C|--columns]", 0, 0, False, cmd_help, "Show dmsetup usage"),
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
        False,
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
        True,
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
        False,
        cmd_remove_all,
        "Remove every mapped device that is not open",
        destructive=True,
    ),
    Sub(
        "suspend",
        "[--noflush] [--nolockfs] <device>...",
        0,
        -1,
        True,
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
        True,
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
        False,
        cmd_load,
        "Load a table into the inactive slot",
        (_DEV, _TABLE),
        palette=True,
    ),
    Sub("clear", "<device>", 0, -1, True, cmd_clear, "Drop the inactive table", (_DEV,), palette=True),
    Sub(
        "reload",
        "<device> [<table>|<table_file>]",
        0,
        2,
        False,
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
        True,
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
        False,
        cmd_rename,
        "Rename a device",
        (_DEV, Arg("new_name", "new name")),
        palette=True,
    ),
    Sub("measure", "[<device>...]", 0, -1, True, cmd_unsupported, "IMA measurement of the tables"),
    Sub(
        "message",
        "<device> <sector> <message>",
        2,
        -1,
        False,
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
        False,
        cmd_ls,
        "List mapped devices",
        (Arg("--target", "target type", TARGET_TYPE, optional=True),),
    ),
    Sub("info", "[<device>...]", 0, -1, True, cmd_info, "Show device information", (_DEV,)),
    Sub("deps", "[-o <options>] [<device>...]", 0, -1, True, cmd_deps, "Show the devices a table uses", (_DEV,)),
    Sub("stats", "<command> [<options>] [<device>...]", 1, -1, True, cmd_unsupported, "I/O statistics (dmstats)"),
    Sub(
        "status",
        "[<device>...] [--noflush] [--target <target_type>]",
        0,
        -1,
        True,
        status_command("status"),
        "Show each target's status line",
        (_DEV,),
    ),
    Sub(
        "table",
        "[<device>...] [--concise] [--target <target_type>] [--showkeys]",
        0,
        -1,
        True,
        status_command("table"),
        "Show the table",
        (_DEV,),
    ),
    Sub(
        "wait",
        "<device> [<event_nr>] [--noflush]",
        0,
        2,
        False,
        cmd_wait,
        "Wait for the device's event number to move on",
        (_DEV, Arg("event_nr", "event number", optional=True)),
    ),
    Sub("mknodes", "[<device>...]", 0, -1, True, cmd_mknodes, "Make the /dev/mapper nodes"),
    Sub("mangle", "[<device>...]", 0, -1, True, cmd_unsupported, "Mangle device names"),
    Sub("udevcreatecookie", "", 0, 0, False, cmd_unsupported, "udev transactions"),
    Sub("udevreleasecookie", "[<cookie>]", 0, 1, False, cmd_unsupported, "udev transactions"),
    Sub("udevflags", "<cookie>", 1, 1, False, cmd_unsupported, "udev transactions"),
    Sub("udevcomplete", "<cookie>", 1, 1, False, cmd_unsupported, "udev transactions"),
    Sub("udevcomplete_all", "[<age_in_minutes>]", 0, 1, False, cmd_unsupported, "udev transactions"),
    Sub("udevcookies", "", 0, 0, False, cmd_unsupported, "udev transactions"),
    Sub(
        "target-version",
        "[<target>...]",
        1,
        -1,
        True,
        cmd_target_version,
        "Show target types' versions",
        (Arg("target", "target type", TARGET_TYPE),),
    ),
    Sub("targets", "", 0, 0, False, cmd_targets, "List the target types and their versions"),
    Sub("version", "", 0, 0, False, cmd_version, "Show library and driver versions"),
    Sub("setgeometry", "<device> <cyl> <head> <sect> <start>", 5, 5, False, cmd_unsupported, "Set the geometry"),
    Sub("splitname", "<device> [<subsystem>]", 1, 2, False, cmd_splitname, "Split an LVM name into its parts"),
]
SUBCOMMANDS: dict[str, Sub] = {sub.name: sub for sub in COMMANDS}


# ----------------------------------------------------------------------------- main()
def run_dmsetup(ctx: Context, argv: list[str]) -> Step:
    """Entry point for `dmsetup ARGS...`."""
    try:
        opts, rest = parse_options(argv)
    except UsageError as exc:
        ctx.err(str(exc))
        ctx.err("Couldn't process command line.")
        return 1
    run = Run(ctx, opts)
    if opts.has("help") or opts.has("version"):
        sub, args = SUBCOMMANDS["help" if opts.has("help") else "version"], rest[1:]
    else:
        prepared = prepare(run, rest)
        if prepared is None:
            return 1
        sub, args = prepared
    run.command = sub.name
    ok = yield from perform(run, sub, args)
    if run.concise_output:
        ctx.write("\n")
    if run.report is not None:
        run.report.output(run)
    if opts.has("help") or opts.has("version"):
        return 0
    return 0 if ok else 1


def prepare(run: Run, rest: list[str]) -> tuple[Sub, list[str]] | None:
    """The command, its argument count, -o and the report; None (after saying why) if any is wrong."""
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
    if sub.name == "splitname":
        run.opts.flags["columns"] = run.opts.count("columns") + 1
    if not process_options(run):
        run.err("Couldn't process command line.")
        return None
    if run.has("columns"):
        run.report = make_report(run, sub.name)
        if run.report is None:
            return None
    return sub, args


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
