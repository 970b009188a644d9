"""What every dmsetup command shares: the device a task names, libdm's error texts, /dev nodes, the info block.

The names follow libdm's: a *task* names its device by name, by UUID or by
major:minor (``DevRef``); a failed ioctl is reported in the task's own terms
(``device-mapper: OP ioctl on NAME UUID(MAJ:MIN) failed: TEXT``); ``Info`` is
``struct dm_info`` as DM_DEVICE_INFO returns it.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..engine.errors import ENOENT, ENXIO, DMError, strerror
from .dmsetup_cli import Opts, c_atoi

if TYPE_CHECKING:
    from ..engine import Engine
    from ..engine.device import MappedDevice
    from .context import Context

DM_NAME_LEN = 128
C_SPACE = " \t\n\v\f\r"
ULLONG_MAX = 2**64 - 1

Step = Generator[Any, None, bool]  # a command step that may wait on the engine


@dataclass
class Run:
    """One `dmsetup` invocation: its context, switches and the state its commands share."""

    ctx: Context
    opts: Opts
    dev_name_type: str = "devno"  # -o devno|devname|blkdevname for ls and deps
    command: str = ""
    report: Any = None  # the buffered -c report (dmsetup_report.Report)
    tree: Any = None  # the whole dependency tree, built once (dmsetup_tree.DepTree)
    tree_options: Any = None  # --tree's -o (dmsetup_tree.TreeOptions)
    concise_output: bool = False  # something of a --concise line has been printed
    selection_cmd: Any = None  # with -S, the command run for each device the selection picks (CommandFn)

    @property
    def engine(self) -> Engine:
        return self.ctx.engine

    def err(self, text: str) -> None:
        self.ctx.err(text)

    def out(self, text: str = "") -> None:
        self.ctx.out(text)

    def has(self, name: str) -> bool:
        return self.opts.has(name)


def drive(result: Any) -> Generator[Any, None, Any]:
    """Run a command step that may or may not wait on the engine."""
    if hasattr(result, "send"):
        return (yield from result)
    return result


CommandFn = Callable[[Run, list[str], "str | None", bool], "bool | Step"]


# ----------------------------------------------------------------------------- the device a task names
@dataclass(frozen=True)
class DevRef:
    """dm_task_set_name / set_uuid / set_major+minor: how a task names its device."""

    name: str = ""
    uuid: str = ""
    major: int | None = None
    minor: int | None = None

    def describe(self) -> str:
        """The `NAME UUID(MAJ:MIN)` part of libdm's ioctl error."""
        devno = f"({self.major}:{self.minor})" if self.major is not None and self.major > 0 else ""
        return f"{self.name} {self.uuid}{devno}"


def ioctl_error(run: Run, op: str, ref: DevRef, err: DMError) -> None:
    run.err(f"device-mapper: {op} ioctl on {ref.describe()} failed: {strerror(err.errno)}")


def set_name(run: Run, name: str, creating: bool = False) -> str | None:
    """dm_task_set_name(): a path names an existing device by its node; None (logged) if it cannot."""
    if "/" in name:
        if creating:
            run.err(f'Name "{name}" invalid. It contains "/".')
            return None
        return _name_from_path(run, name)
    if len(name) >= DM_NAME_LEN:
        run.err(f'Name "{name}" too long.')
        return None
    return None if mangling_not_modelled(run, name) else name


MANGLE_SAFE = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#+-.:=@_")


def mangling_not_modelled(run: Run, name: str) -> bool:
    """--manglename auto|hex on a name libdm would mangle (a character outside its udev whitelist): refused.

    The lab keeps names as given (as `--manglename none` does); on whitelisted names every mode is the same.
    """
    mode = run.opts.get("manglename")
    if mode is None or mode.lower() == "none" or all(ch in MANGLE_SAFE for ch in name):
        return False
    run.err(f'dmconsole: the lab does not mangle names (--manglename {mode}), and "{name}" would be mangled.')
    return True


def _name_from_path(run: Run, path: str) -> str | None:
    """_dm_task_set_name_from_path(): stat the node, then find the /dev/mapper node with that device."""
    engine = run.engine
    base = path.rsplit("/", 1)[1]
    dev = stat_node(engine, path)
    if dev is None:
        if len(path) < 3 or path.startswith("/") or path.count("/") != 1:
            run.err(f"Device {path} not found")
            return None
        dev = stat_node(engine, "/dev/" + path)
        if dev is None:
            run.err(f"Device {path} not found")
            return None
    elif stat_node(engine, "/dev/mapper/" + base) is dev:
        return base
    for md in engine.devices.values():
        if md is dev and md.node_exists:
            return md.name
    run.err(f"Device {base} not found")
    return None


def stat_node(engine: Engine, path: str) -> Any:
    """The device a /dev node is for, if that node exists: /dev/mapper/NAME, /dev/dm-N, /dev/DISK."""
    path = posixpath.normpath(path)
    if path.startswith("/dev/mapper/"):
        md = engine.devices.get(path[len("/dev/mapper/") :])
        return md if md is not None and md.node_exists else None
    if not path.startswith("/dev/") or "/" in path[len("/dev/") :]:
        return None
    name = path[len("/dev/") :]
    if name.startswith("dm-") and name[3:].isdigit():
        dev = engine.by_devno(engine.dm_major, int(name[3:]))
        return dev if dev is not None and dev.kind == "dm" and dev.disk_added else None
    return engine.disks.get(name)


def task_device(run: Run, name: str | None, optional: bool = False) -> DevRef | None:
    """_set_task_device(): the name given, else -u, else -j/-m; `No device specified.` if none."""
    opts = run.opts
    if name:
        resolved = set_name(run, name)
        return None if resolved is None else DevRef(name=resolved)
    if opts.get("uuid") is not None:
        return DevRef(uuid=opts.get("uuid") or "")
    if opts.has("major") and opts.has("minor"):
        return DevRef(major=c_atoi(opts.get("major") or ""), minor=c_atoi(opts.get("minor") or ""))
    if optional:
        return DevRef()
    run.err("No device specified.")
    return None


def lookup(run: Run, ref: DevRef) -> MappedDevice | None:
    """The device the kernel finds for a task (name first, then UUID, then device number)."""
    engine = run.engine
    if ref.name:
        return engine.devices.get(ref.name)
    if ref.uuid:
        return engine.find_md_by_uuid(ref.uuid)
    if ref.major is not None and ref.minor is not None:
        dev = engine.by_devno(ref.major, ref.minor)
        return dev if dev is not None and dev.kind == "dm" else None
    return None


def engine_name(run: Run, ref: DevRef) -> str:
    """The name to hand the engine's ioctl: the task's own name (the engine reports a miss), or the one found."""
    if ref.name:
        return ref.name
    md = lookup(run, ref)
    if md is None:
        raise DMError(ENXIO)
    return md.name


# ----------------------------------------------------------------------------- names of block devices
def device_name(engine: Engine, major: int, minor: int, kernel: bool) -> str | None:
    """dm_device_get_name(): from sysfs, so a dm device has one only once its gendisk exists."""
    dev = engine.by_devno(major, minor)
    if dev is None:
        return None
    if dev.kind == "dm":
        if not dev.disk_added:
            return None
        return dev.kernel_name if kernel else dev.name
    return dev.kernel_name


def read_ahead(run: Run, md: MappedDevice, name: str | None = None) -> int | None:
    """dm_task_get_read_ahead(): sysfs bdi/read_ahead_kb, else the node's BLKRAGET (whose open may fail)."""
    if md.disk_added:
        return md.read_ahead
    name = name or md.name
    node = md.node_exists and name == md.name
    run.err(f"/dev/mapper/{name}: open failed: {strerror(ENXIO if node else ENOENT)}")
    return None


# ----------------------------------------------------------------------------- struct dm_info
@dataclass(frozen=True)
class Info:
    name: str
    uuid: str
    major: int
    minor: int
    suspended: bool
    read_only: bool
    deferred_remove: bool
    live_table: bool
    inactive_table: bool
    open_count: int
    event_nr: int
    target_count: int


def info_of(run: Run, md: MappedDevice, name: str | None = None) -> Info:
    """__dev_status(): with --inactive the target count and read-only flag come from the inactive table.

    ``name`` is the name the kernel found the device by, if it has changed since (a wait across a rename).
    """
    inactive = run.has("inactive")
    read_only = md.read_only
    count = len(md.live.targets) if md.live else 0
    if inactive:
        count = len(md.inactive.targets) if md.inactive else 0
        read_only = read_only or bool(md.inactive and md.inactive.read_only)
    return Info(
        name=name or md.name,
        uuid=md.uuid,
        major=md.major,
        minor=md.minor,
        suspended=md.suspended,
        read_only=read_only,
        deferred_remove=md.deferred_remove,
        live_table=md.live is not None,
        inactive_table=md.inactive is not None,
        open_count=-1 if run.has("noopencount") else run.engine.open_count(md),
        event_nr=md.event_nr,
        target_count=count,
    )


def print_info(run: Run, md: MappedDevice, name: str | None = None) -> None:
    """_display_info_long(): the `dmsetup info` block, then an empty line."""
    info = info_of(run, md, name)
    state = "SUSPENDED" if info.suspended else "ACTIVE"
    state += " (READ-ONLY)" if info.read_only else ""
    state += " (DEFERRED REMOVE)" if info.deferred_remove else ""
    run.out(f"Name:              {info.name}")
    run.out(f"State:             {state}")
    value = read_ahead(run, md, info.name)
    if value is not None:
        run.out(f"Read Ahead:        {value}")
    run.out(f"Tables present:    {tables_present(info)}")
    if info.open_count != -1:
        run.out(f"Open count:        {info.open_count}")
    run.out(f"Event number:      {info.event_nr}")
    run.out(f"Major, minor:      {info.major}, {info.minor}")
    run.out(f"Number of targets: {info.target_count}")
    if info.uuid:
        run.out(f"UUID: {info.uuid}")
    run.out("")


def tables_present(info: Info) -> str:
    if not info.live_table and not info.inactive_table:
        return "None"
    both = " & " if info.live_table and info.inactive_table else ""
    return ("LIVE" if info.live_table else "") + both + ("INACTIVE" if info.inactive_table else "")


def display_info(run: Run, md: MappedDevice | None, name: str | None = None) -> bool:
    """_display_info(): `Device does not exist.` for a missing device, else the block or a report row."""
    if md is None:
        run.err("Device does not exist.")
        return False
    if run.report is None:
        print_info(run, md, name)
        return True
    if run.selection_cmd is not None:
        # -v inside a command that -S picked: libdm would run that command again, and again, without end.
        return run.report.is_selected(run.report.object_for(run, md, name)) is not None
    return run.report.add(run, md, name)


# ----------------------------------------------------------------------------- table text
Row = tuple[int, int, str, str]


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in C_SPACE:
        pos += 1
    return pos


def _scan_ull(text: str, pos: int) -> tuple[int, int] | None:
    """scanf's %llu: blanks, an optional sign, decimal digits; negative values wrap, overflow saturates."""
    pos = _skip_space(text, pos)
    negative = text.startswith("-", pos)
    if text.startswith(("+", "-"), pos):
        pos += 1
    start = pos
    while pos < len(text) and "0" <= text[pos] <= "9":
        pos += 1
    if pos == start:
        return None
    value = int(text[start:pos])
    if value > ULLONG_MAX:
        return ULLONG_MAX, pos
    return ((-value) % 2**64 if negative else value), pos


def parse_table_line(line: str) -> Row | None | bool:
    """_parse_line(): a row; True for a blank or comment line; None if sscanf("%llu %llu %s %n") fails."""
    ptr = line.strip(C_SPACE)
    if not ptr or ptr.startswith("#"):
        return True
    start = _scan_ull(ptr, 0)
    size = _scan_ull(ptr, start[1]) if start else None
    if start is None or size is None:
        return None
    pos = _skip_space(ptr, size[1])
    end = pos
    while end < len(ptr) and ptr[end] not in C_SPACE:
        end += 1
    if end == pos:
        return None
    params = ptr[_skip_space(ptr, end) :].split("#", 1)[0]
    return start[0], size[0], ptr[pos:end], params


def parse_table(run: Run, text: str, source: str) -> list[Row] | None:
    """Each line of a table; `Invalid format on line N of table SOURCE.` (and None) at the first bad one."""
    rows: list[Row] = []
    lines = text.split("\n")
    if source != "" and lines and lines[-1] == "":
        lines.pop()  # getline() sees no line after the last newline
    for number, line in enumerate(lines, 1):
        row = parse_table_line(line)
        if row is None:
            run.err(f"Invalid format on line {number} of table {source}.")
            return None
        if row is not True:
            rows.append(row)
    return rows


def table_rows(run: Run, file: str | None) -> list[Row] | None:
    """_parse_file(): --table, else the file named, else stdin (empty stdin is an empty table)."""
    table = run.opts.get("table")
    if table is not None:
        return parse_table(run, table, "")
    if file is not None:
        try:
            with open(file, encoding="utf-8", errors="surrogateescape") as handle:
                text = handle.read()
        except OSError:
            run.err(f"Couldn't open '{file}' for reading.")
            return None
        return parse_table(run, text, file)
    return parse_table(run, run.ctx.stdin.decode("utf-8", "surrogateescape"), "on stdin")
