"""The dmsetup commands themselves: each one as dmsetup's function of the same name does it.

A command is ``fn(run, argv, name, multiple)``: ``argv`` holds the arguments
left for it, ``name`` the device when it runs for every device in turn, and
``multiple`` says whether its lines get a `NAME: ` prefix. It returns whether
it succeeded (or a generator that does, when it waits on the engine).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...engine.core.errno import EBUSY, EINVAL, ENXIO, DMError
from ...engine.core.waits import Sleep, drive
from ...engine.dm.ioctl import DRIVER_VERSION, DmInfo, StatusType
from .cli import READ_AHEAD_AUTO, c_atoi, read_ahead_switch
from .common import (
    ULLONG_MAX,
    CommandFn,
    DevRef,
    Row,
    Run,
    Step,
    device_info,
    device_name,
    device_names,
    display_info,
    engine_name,
    ioctl_error,
    lookup,
    mangling_not_modelled,
    parse_table,
    set_name,
    table_rows,
    task_device,
)
from .report import ReportObject, split_name, tree_of
from .tree import TreeDrawer, deps_of

LIBRARY_VERSION = "1.02.185 (2022-05-18)"


# ----------------------------------------------------------------------------- helpers
def process_all(run: Run, fn: CommandFn, silent: bool = False) -> Step:
    """_process_all(): ``fn`` for every device in name order; `No devices found` when there are none."""
    names = device_names(run)
    if not names:
        if not silent:
            run.out("No devices found")
        return True
    ok = True
    for name in names:
        if not (yield from drive(fn(run, [], name, True))):
            ok = False
    return ok


def _device_arg(run: Run, argv: list[str], name: str | None) -> tuple[bool, str | None]:
    """The common start of info/status/deps: (False, None) means "do every device"."""
    if name is not None:
        return True, name
    if not argv and run.opts.get("uuid") is None and not run.has("major"):
        return False, None
    return True, argv[0] if argv else None


def _apply_read_ahead(run: Run, name: str) -> None:
    """set_dev_node_read_ahead() after a resume: through sysfs in KiB, so it lands on whole pages."""
    if not run.has("readahead"):
        return
    value, minimum = read_ahead_switch(run.opts)
    info = device_info(run, name)
    block = run.engine.block.info(info.major, info.minor) if info is not None else None
    if value == READ_AHEAD_AUTO or block is None:
        return
    if minimum and block.read_ahead >= value:
        return
    run.engine.block.set_read_ahead(block.major, block.minor, (value + 1) // 2 // 4 * 8)


def _ioctl_suspend(run: Run, name: str, event_nr: int, noflush: bool) -> Any:
    return run.dm.dev_suspend(name, noflush)


def _ioctl_resume(run: Run, name: str, event_nr: int, noflush: bool) -> Step:
    yield from run.dm.dev_resume(name, noflush)
    _apply_read_ahead(run, name)
    return True


def _ioctl_clear(run: Run, name: str, event_nr: int, noflush: bool) -> Any:
    return run.dm.table_clear(name)


def _ioctl_remove(run: Run, name: str, event_nr: int, noflush: bool) -> Any:
    return run.dm.dev_remove(name, deferred=run.has("deferred"))


def _ioctl_wait(run: Run, name: str, event_nr: int, noflush: bool) -> Any:
    return run.dm.dev_wait(name, event_nr)


SIMPLE_IOCTLS: dict[str, Callable[[Run, str, int, bool], Any]] = {
    "suspend": _ioctl_suspend,
    "resume": _ioctl_resume,
    "clear": _ioctl_clear,
    "remove": _ioctl_remove,
    "waitevent": _ioctl_wait,
}


def simple(
    run: Run, task: str, name: str | None, event_nr: int = 0, display: bool = True, noflush: bool | None = None
) -> Step:
    """_simple(): one ioctl on one device; `-v` shows the info block after it."""
    ref = task_device(run, name)
    if ref is None:
        return False
    noflush = run.has("noflush") if noflush is None else noflush
    if task == "suspend" and run.has("checks") and not check_children_not_suspended(run, ref):
        return False
    found = lookup(run, ref)
    found_as = found.name if found is not None else ""  # the kernel reports the name it found the device by
    tries = REMOVE_RETRIES if task == "remove" and run.has("retry") else 1
    for attempt in range(1, tries + 1):
        try:
            yield from drive(SIMPLE_IOCTLS[task](run, engine_name(run, ref), event_nr, noflush))
            break
        except DMError as err:
            ioctl_error(run, task, ref, err)
            if err.errno != EBUSY or attempt == tries:
                return False
        yield from lab_sleep(run, REMOVE_RETRY_DELAY)
    if display and run.has("verbose"):
        after = lookup(run, DevRef(major=found.major, minor=found.minor)) if found is not None else None
        return display_info(run, after, found_as)
    return True


REMOVE_RETRIES = 25  # DM_IOCTL_RETRIES: --retry tries a busy remove this many times in all,
REMOVE_RETRY_DELAY = 0.2  # DM_RETRY_USLEEP_DELAY apart, saying each time that it failed


def lab_sleep(run: Run, seconds: float) -> Step:
    """usleep() on the lab clock."""
    clock = run.engine.clock
    yield Sleep(clock, clock.now + seconds, "dmsetup: waiting to retry")
    return True


def check_children_not_suspended(run: Run, ref: DevRef) -> bool:
    """--checks on suspend (_suspend_with_validation_v4): a deps ioctl first, then a complaint (but no refusal)
    for each device below that is already suspended, since I/O could be trapped between the two."""
    found = lookup(run, ref)
    if found is None:
        ioctl_error(run, "deps", ref, DMError(ENXIO))
        return False
    if not found.suspended:
        _complain_of_suspended_children(run, found, _task_label(ref))
    return True


def _task_label(ref: DevRef) -> str:
    """A task as libdm's check names it: NAME, UUID and `(MAJ:MIN) ` run together."""
    label = ref.name + ref.uuid
    if ref.major is not None and ref.major > 0:
        minor = ref.minor or 0
        label += f"({ref.major}:{minor if minor >= 0 else ''}) "
    return label


def _complain_of_suspended_children(run: Run, info: DmInfo, label: str) -> None:
    """_check_children_not_suspended_v4() below the device: dm devices only, recursing into those not suspended."""
    for dep in deps_of(run.dm, info.name):
        child = lookup(run, DevRef(major=dep.major, minor=dep.minor)) if dep.major == run.dm.major else None
        if child is None:
            continue
        if child.suspended:
            run.err(
                f"Internal error: Attempt to suspend device {label}that uses already-suspended device "
                f"({dep.major}:{dep.minor})"
            )
            continue
        _complain_of_suspended_children(run, child, f"({dep.major}:{dep.minor}) ")


# ----------------------------------------------------------------------------- create, load
@dataclass(frozen=True)
class NewDevice:
    """What one `create` makes (from the switches, or from one entry of a --concise list)."""

    name: str
    uuid: str | None = None
    minor: int | None = None
    read_only: bool = False
    table: str | None = None  # the table text, when not --table/file/stdin


def cmd_create(run: Run, argv: list[str], name: str | None, multiple: bool) -> bool | Step:
    if run.has("concise"):
        if len(argv) > 1:
            run.err("dmsetup create --concise takes at most one argument")
            return False
        return create_concise(run, argv)
    if not argv:
        run.err("Please provide a name for the new device.")
        return False
    opts = run.opts
    dev = NewDevice(
        argv[0],
        opts.get("uuid"),
        c_atoi(opts.get("minor") or "") if opts.has("minor") else None,
        run.has("readonly"),
    )
    return create_one(run, dev, argv[1] if len(argv) == 2 else None)


def create_one(run: Run, dev: NewDevice, file: str | None) -> Step:
    """_create_one_device(): with table lines, create + load + resume (undone if a step fails); else create."""
    if set_name(run, dev.name, creating=True) is None:
        return False
    rows: list[Row] | None = []
    if dev.table is not None:
        rows = parse_table(run, dev.table, "")
    elif not run.has("notable"):
        rows = table_rows(run, file)
    if rows is None:
        return False
    major = c_atoi(run.opts.get("major") or "") if run.has("major") else None
    ref = DevRef(dev.name, dev.uuid or "", major, dev.minor if major is not None else None)
    try:
        created = run.dm.dev_create(dev.name, dev.uuid or "", dev.minor)
    except DMError as err:
        ioctl_error(run, "create", ref, err)
        return False
    if run.has("addnodeoncreate"):
        make_node(run, dev.name)  # DM_ADD_NODE_ON_CREATE: /dev/mapper/NAME now, not at the resume
    load_ref = DevRef(dev.name, "", created.major, created.minor)
    if rows and not (yield from _load_and_resume(run, dev, rows, load_ref)):
        return False
    if run.has("verbose"):
        return display_info(run, device_info(run, dev.name))
    return True


def make_node(run: Run, name: str) -> None:
    """dm_mknodes(): /dev/mapper/NAME for the device of that name, if there is one."""
    info = device_info(run, name)
    if info is not None:
        run.engine.block.make_mapper_node(name, info.major, info.minor)


def _load_and_resume(run: Run, dev: NewDevice, rows: list[Row], load_ref: DevRef) -> Step:
    """The rest of _create_and_load_v4(): the resume names the device without its UUID."""
    resume_ref = DevRef(dev.name)
    step, ref = "reload", load_ref
    try:
        run.dm.table_load(dev.name, rows, dev.read_only)
        step, ref = "resume", resume_ref
        yield from _ioctl_resume(run, dev.name, 0, run.has("noflush"))
        return True
    except DMError as err:
        ioctl_error(run, step, ref, err)
    try:
        run.dm.dev_remove(dev.name)
    except DMError as err:
        ioctl_error(run, "remove", resume_ref, err)
        run.err("Failed to revert device creation.")
    return False


def create_concise(run: Run, argv: list[str]) -> Step:
    """_create_concise(): `name,uuid,minor,flags,table[,table...]` entries separated by `;`."""
    opts = run.opts
    if any(opts.has(o) for o in ("table", "minor", "uuid", "notable", "inactive")):
        run.err("--concise is incompatible with --[no]table, --minor, --uuid and --inactive.")
        return False
    text = argv[0] if argv else run.ctx.stdin.decode("utf-8", "surrogateescape")
    entries = split_concise(run, text)
    if entries is None:
        return False
    for fields in entries:
        if fields[3] not in ("", "ro", "rw"):
            run.err(f"Invalid flags parameter '{fields[3]}' must be 'ro' or 'rw' or empty.")
            return False
        dev = NewDevice(
            fields[0], fields[1] or None, c_atoi(fields[2]) if fields[2] else None, fields[3] == "ro", fields[4]
        )
        if not (yield from create_one(run, dev, None)):
            return False
    return True


def split_concise(run: Run, text: str) -> list[list[str]] | None:
    """The concise parser: `\\` quotes a character, `,` ends a field (a line, in the table), `;` a device."""
    entries: list[list[str]] = []
    fields: list[str] = [""]
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            if i + 1 >= len(text):
                run.err("Backslash must be followed by another character at end of string.")
                _parsed(run, fields)
                return None
            fields[-1] += text[i + 1]
            i += 2
            continue
        if ch == ",":
            if len(fields) < 5:
                fields.append("")
                i = _skip_blanks(text, i + 1)
            else:
                fields[-1] += "\n"
                i += 1
            continue
        if ch == ";" or i + 1 == len(text):
            if ch != ";":
                fields[-1] += ch
            if len(fields) != 5:
                run.err("Five comma-separated fields are required for each device")
                _parsed(run, fields)
                return None
            entries.append(fields)
            fields = [""]
            i = _skip_blanks(text, i + 1)
            continue
        fields[-1] += ch
        i += 1
    if fields != [""]:
        run.err("Incomplete entry: five comma-separated fields are required for each device")
        _parsed(run, fields)
        return None
    return entries


def _skip_blanks(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t\n\v\f\r":
        i += 1
    return i


def _parsed(run: Run, fields: list[str]) -> None:
    shown = fields + ["(null)"] * (5 - len(fields))
    run.err(
        f"Parsed {len(fields)} fields: name: {shown[0]} uuid: {shown[1]} minor: {shown[2]} "
        f"flags: {shown[3]} table: {shown[4]}"
    )


def cmd_load(run: Run, argv: list[str], name: str | None, multiple: bool) -> bool:
    """_load(): `load|reload DEVICE [TABLE_FILE]`, the table from --table, the file or stdin."""
    if run.has("notable"):
        run.err("--notable only available when creating new device.")
        return False
    device = None
    if run.opts.get("uuid") is None and not run.has("major"):
        if not argv:
            run.err("Please specify device.")
            return False
        device, argv = argv[0], argv[1:]
    elif len(argv) > 1:
        run.err("Too many command line arguments.")
        return False
    ref = task_device(run, device)
    if ref is None:
        return False
    rows = table_rows(run, argv[0] if len(argv) == 1 else None)
    if rows is None:
        return False
    try:
        run.dm.table_load(engine_name(run, ref), rows, run.has("readonly"))
    except DMError as err:
        ioctl_error(run, "reload", ref, err)
        return False
    if run.has("verbose"):
        return display_info(run, lookup(run, ref))
    return True


# ----------------------------------------------------------------------------- remove, suspend, resume, ...
def cmd_remove(run: Run, argv: list[str], name: str | None, multiple: bool) -> Step:
    device = argv[0] if argv else None
    if run.has("force") and argv:
        yield from error_device(run, argv, None, False)
    return (yield from simple(run, "remove", device, display=False))


def device_size(run: Run, name: str) -> int:
    """_get_device_size(): the table's length (a table ioctl; 0 if it fails)."""
    ref = task_device(run, name)
    if ref is None:
        return 0
    found = lookup(run, ref)
    if found is None:
        ioctl_error(run, "table", ref, DMError(ENXIO))
        return 0
    _info, rows = run.dm.table_status(found.name, query_inactive=run.has("inactive"))
    return sum(row.length for row in rows)


def error_device(run: Run, argv: list[str], name: str | None, multiple: bool) -> Step:
    """_error_device() (wipe_table, remove -f): load an `error` table of the same size and resume it."""
    device = name if name is not None else (argv[0] if argv else None)
    if not device:
        run.err("No device specified.")
        return False
    size = device_size(run, device)
    ref = task_device(run, device)
    if ref is None:
        return False
    try:
        run.dm.table_load(engine_name(run, ref), [(0, size, "error", "")], run.has("readonly"))
    except DMError as err:
        ioctl_error(run, "reload", ref, err)
        return False
    noflush = run.has("noflush") or run.has("force")  # --force avoids a hang on flushing
    if not (yield from simple(run, "resume", device, display=False, noflush=noflush)):
        yield from simple(run, "clear", device, display=False)
        return False
    return True


def cmd_remove_all(run: Run, argv: list[str], name: str | None, multiple: bool) -> Step:
    """_remove_all(): with --force, wipe what is left and try again; says what could not go, yet succeeds."""
    run.dm.remove_all()
    if not run.has("force") or not device_names(run):
        return True
    yield from process_all(run, error_device, silent=True)
    left = run.dm.remove_all()
    if left:
        run.err(f"Unable to remove {left} device(s).")
    return True


def cmd_suspend(run: Run, argv: list[str], name: str | None, multiple: bool) -> Step:
    return simple(run, "suspend", argv[0] if argv else None)


def cmd_resume(run: Run, argv: list[str], name: str | None, multiple: bool) -> Step:
    return simple(run, "resume", argv[0] if argv else None)


def cmd_clear(run: Run, argv: list[str], name: str | None, multiple: bool) -> Step:
    return simple(run, "clear", argv[0] if argv else None)


def cmd_wait(run: Run, argv: list[str], name: str | None, multiple: bool) -> Step:
    """_wait(): `wait DEVICE [EVENT_NR]` returns once the event number differs from EVENT_NR (default 0)."""
    device = None
    if run.opts.get("uuid") is None and not run.has("major"):
        if not argv:
            run.err("No device specified.")
            return False
        device, argv = argv[0], argv[1:]
    event_nr = c_atoi(argv[-1]) & 0xFFFFFFFF if argv else 0
    return simple(run, "waitevent", device, event_nr=event_nr)


def cmd_rename(run: Run, argv: list[str], name: str | None, multiple: bool) -> bool:
    device = argv[0] if len(argv) == 2 else None
    if run.has("setuuid"):
        return do_rename(run, device, None, argv[-1])
    return do_rename(run, device, argv[-1], None)


def do_rename(run: Run, device: str | None, new_name: str | None, new_uuid: str | None) -> bool:
    ref = task_device(run, device)
    if ref is None or (new_name is not None and not _check_new_name(run, new_name)):
        return False
    try:
        run.dm.dev_rename(ref.ioctl, new_name=new_name, new_uuid=new_uuid)
    except DMError as err:
        ioctl_error(run, "rename", ref, err)
        return False
    return True


def _check_new_name(run: Run, new_name: str) -> bool:
    """dm_task_set_newname()."""
    if "/" in new_name:
        run.err(f'Name "{new_name}" invalid. It contains "/".')
    elif len(new_name) >= 128:
        run.err(f'Name "{new_name}" too long')
    elif not new_name:
        run.err("Non empty new name is required.")
    else:
        return not mangling_not_modelled(run, new_name)
    return False


def strtoull(text: str) -> int | None:
    """strtoull(text, &end, 10) as _message() checks it: the whole word, no overflow."""
    body = text.lstrip(" \t\n\v\f\r")
    negative = body.startswith("-")
    if body[:1] in ("+", "-"):
        body = body[1:]
    if not body or not body.isascii() or not body.isdigit():
        return None
    value = int(body)
    if value > ULLONG_MAX:
        return None
    return (-value) % 2**64 if negative else value


def cmd_message(run: Run, argv: list[str], name: str | None, multiple: bool) -> bool:
    """_message(): `message DEVICE SECTOR WORDS...`; the words are joined with spaces for the kernel."""
    if run.opts.get("uuid") is not None or run.has("major"):
        ref = task_device(run, None)
    else:
        ref = task_device(run, argv[0])
        argv = argv[1:]
    if ref is None:
        return False
    sector = strtoull(argv[0])
    if sector is None:
        run.err("Invalid sector.")
        return False
    words = argv[1:]
    if not words:
        run.err("No message supplied.")
    try:
        reply = run.dm.target_message(engine_name(run, ref), sector, " ".join(words))
    except DMError as err:
        ioctl_error(run, "message", ref, err)
        return False
    if reply:
        run.ctx.write(reply if reply.endswith("\n") else reply + "\n")
    return True


# ----------------------------------------------------------------------------- info, status, table, deps, ls
def cmd_info(run: Run, argv: list[str], name: str | None, multiple: bool) -> bool | Step:
    """_info(): the info block or report row of each device named (or of every one)."""
    one, device = _device_arg(run, argv, name)
    if not one:
        return process_all(run, cmd_info)
    ref = task_device(run, device)
    if ref is None:
        return False
    found = lookup(run, ref)
    if found is not None and run.selection_cmd is not None:
        return run_if_selected(run, found)
    return display_info(run, found)


def run_if_selected(run: Run, found: DmInfo) -> Step:
    """_display_info_cols() for -S on another command: that command, on this device, if the selection picks it."""
    report = run.report
    selected = report.is_selected(report.object_for(run, found))
    if selected is None:
        return False
    if not selected:
        return True
    return (yield from drive(run.selection_cmd(run, [found.name], None, True)))


def status_command(kind: str) -> CommandFn:
    """_status() for `status`, `table` and `ls --target`."""

    def fn(run: Run, argv: list[str], name: str | None, multiple: bool) -> bool | Step:
        one, device = _device_arg(run, argv, name)
        if not one:
            return process_all(run, fn)
        return show_targets(run, kind, device, multiple)

    return fn


def show_targets(run: Run, kind: str, device: str | None, multiple: bool) -> Step:
    ref = task_device(run, device)
    if ref is None:
        return False
    found = lookup(run, ref)
    if found is None:
        if kind == "table":
            ioctl_error(run, "table", ref, DMError(ENXIO))
        else:
            run.err("Device does not exist.")
        return False
    shown = device or found.name
    _info, table_rows_ = run.dm.table_status(found.name, StatusType.TABLE if kind == "table" else StatusType.INFO,
                                             query_inactive=run.has("inactive"), noflush=run.has("noflush"))
    rows = [(row.start, row.length, row.type, row.params) for row in table_rows_]
    matched = False
    for row in rows or [None]:
        if run.opts.get("target") is not None and (row is None or row[2] != run.opts.get("target")):
            continue
        if kind == "ls":
            if not _executing(run) or run.has("verbose"):
                run.out(f"{shown}\t({found.major}, {found.minor})")
            matched = True
            break
        if not _executing(run) or run.has("verbose"):
            _target_line(run, found, shown, row, matched, multiple, kind)
        matched = True
    concise = kind == "table" and run.has("concise")
    if multiple and run.has("verbose") and matched and kind != "ls" and (not concise or run.opts.count("verbose") > 1):
        run.out("")
    if matched and _executing(run):
        yield from exec_command(run, found.name)
    return True


def _executing(run: Run) -> bool:
    return bool(run.opts.get("exec"))


def _target_line(run: Run, found: DmInfo, shown: str, row: Row | None, matched: bool, multiple: bool,
                 kind: str) -> None:
    """One line of `status`/`table` (or one piece of the single --concise line)."""
    verbose = run.has("verbose")
    concise = kind == "table" and run.has("concise")
    text = ""
    if not concise:
        if not matched and verbose:
            display_info(run, found)
        if multiple and not verbose:
            text = f"{shown}: "
    elif not matched:
        text = (";" if run.concise_output else "") + f"{_quoted(shown)},{_quoted(found.uuid)},{found.minor},"
        text += "ro" if found.read_only else "rw"
        run.concise_output = True
    if row is not None:
        start, length, ttype, params = row
        if kind == "table" and not run.has("showkeys"):
            params = hide_keys(ttype, params)
        text += f"{',' if concise else ''}{start} {length} {ttype} "
        text += _quoted(params) if concise else params
    run.ctx.write(text if concise else text + "\n")


def _quoted(text: str) -> str:
    return "".join("\\" + ch if ch in ",;\\" else ch for ch in text)


def hide_keys(ttype: str, params: str) -> str:
    """`table` prints crypt and integrity keys as zeroes unless --showkeys (a `:key` reference is kept)."""
    if ttype == "crypt":
        words = params.split(" ")
        if len(words) > 1 and not words[1].startswith(":"):
            words[1] = "0" * len(words[1])
        return " ".join(words)
    if ttype == "integrity":
        for key in ("internal_hash:", "journal_crypt:", "journal_mac:"):
            params = _hide_key(params, key)
    return params


def _hide_key(params: str, name: str) -> str:
    at = params.find(name)
    if at < 0:
        return params
    pos = at + len(name)
    stops = [i for i in (params.find(" ", pos), params.find(":", pos)) if i >= 0]
    if not stops or params[min(stops)] != ":":
        return params
    start = min(stops) + 1
    end = params.find(" ", start)
    end = len(params) if end < 0 else end
    return params[:start] + "0" * (end - start) + params[end:]


def exec_command(run: Run, name: str) -> Step:
    """--exec: run the command with /dev/mapper/NAME added, through the session like any command."""
    make_node(run, name)  # dm_mknodes(name)
    argv = (run.opts.get("exec") or "").split()[:255] + [f"/dev/mapper/{name}"]
    yield from run.ctx.session.run_argv(argv, b"", run.ctx.stdout, run.ctx.stderr)
    return True


def cmd_deps(run: Run, argv: list[str], name: str | None, multiple: bool) -> bool | Step:
    one, device = _device_arg(run, argv, name)
    if not one:
        return process_all(run, cmd_deps)
    ref = task_device(run, device)
    if ref is None:
        return False
    found = lookup(run, ref)
    if found is None:
        ioctl_error(run, "deps", ref, DMError(ENXIO))
        return False
    deps = deps_of(run.dm, found.name, run.has("inactive"))
    verbose = run.has("verbose")
    if verbose:
        display_info(run, found)
    prefix = f"{device or found.name}: " if multiple and not verbose else ""
    parts = "".join(f" ({_dev_label(run, dep, ', ')})" for dep in deps)
    run.out(f"{prefix}{len(deps)} dependencies\t:{parts}")
    if multiple and verbose:
        run.out("")
    return True


def _dev_label(run: Run, dev: Any, separator: str) -> str:
    """-o devname / blkdevname when sysfs knows the device, else MAJ<sep>MIN."""
    if run.dev_name_type in ("devname", "blkdevname"):
        label = device_name(run, dev.major, dev.minor, kernel=run.dev_name_type == "blkdevname")
        if label is not None:
            return label
    return f"{dev.major}{separator}{dev.minor}"


def cmd_ls(run: Run, argv: list[str], name: str | None, multiple: bool) -> bool | Step:
    if run.opts.get("target") is not None or _executing(run):
        return process_all(run, status_command("ls"))
    if run.has("tree"):
        return display_tree(run)
    return process_all(run, _display_name)


def _display_name(run: Run, argv: list[str], name: str | None, multiple: bool) -> bool:
    found = device_info(run, name) if name is not None else None
    if found is not None:
        run.out(f"{found.name}\t({_dev_label(run, found, ':')})")
    return True


def display_tree(run: Run) -> bool:
    tree = tree_of(run)
    options = run.tree_options

    def blk_name(node: Any) -> str | None:
        return device_name(run, node.major, node.minor, kernel=True)

    run.ctx.write(TreeDrawer(tree, options, blk_name).draw())
    return True


def cmd_mknodes(run: Run, argv: list[str], name: str | None, multiple: bool) -> bool:
    """dm_mknodes(): make the /dev/mapper node of the device named (or of every device)."""
    if not argv:
        for each in device_names(run):
            make_node(run, each)
        return True
    device = set_name(run, argv[0])
    if device is None:
        return False
    make_node(run, device)
    return True


# ----------------------------------------------------------------------------- targets, version, help, ...
def target_list(run: Run) -> list[tuple[str, tuple[int, int, int]]]:
    """DM_LIST_VERSIONS: the target types the kernel has, as it lists them."""
    return run.dm.list_versions()


def _version_line(name: str, version: tuple[int, int, int]) -> str:
    return f"{name:<16} v{version[0]}.{version[1]}.{version[2]}"


def cmd_targets(run: Run, argv: list[str], name: str | None, multiple: bool) -> bool:
    for target, version in target_list(run):
        run.out(_version_line(target, version))
    return True


def cmd_target_version(run: Run, argv: list[str], name: str | None, multiple: bool) -> bool:
    versions = dict(target_list(run))
    if argv[0] not in versions:
        ioctl_error(run, "target-version", DevRef(argv[0]), DMError(EINVAL))
        return False
    run.out(_version_line(argv[0], versions[argv[0]]))
    return True


def cmd_version(run: Run, argv: list[str], name: str | None, multiple: bool) -> bool:
    run.out(f"Library version:   {LIBRARY_VERSION}")
    run.out("Driver version:    {}.{}.{}".format(*DRIVER_VERSION))
    run.report = None  # no column headings for `version`
    return True


def cmd_splitname(run: Run, argv: list[str], name: str | None, multiple: bool) -> bool:
    subsystem = argv[1] if len(argv) == 2 else "LVM"
    return run.report.add_object(ReportObject(run, None, None, split_name(subsystem, argv[0], "")))
