"""What every dmsetup command shares: the device a task names, libdm's error texts, /dev nodes, the info block.

The names follow libdm's: a *task* names its device by name, by UUID or by
major:minor (``DevRef``); a failed ioctl is reported in the task's own terms
(``device-mapper: OP ioctl on NAME UUID(MAJ:MIN) failed: TEXT``). Everything dmsetup
knows of a device comes from the dm ioctls (``engine.dm``: ``DmInfo``, table rows,
deps) and from /dev and sysfs (``engine.block``: nodes and ``BlockInfo``).
"""

from __future__ import annotations

import dataclasses
import posixpath
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...engine.core.errno import ENOENT, ENXIO, DMError, strerror
from ...engine.dm.ioctl import DeviceRef, DmInfo
from .cli import Opts, c_atoi

if TYPE_CHECKING:
    from ...engine import Engine
    from ...engine.dm.ioctl import DeviceMapper
    from ..context import Context

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
    report: Any = None  # the buffered -c report (reporter.Report)
    tree: Any = None  # the whole dependency tree, built once (tree.DepTree)
    tree_options: Any = None  # --tree's -o (tree.TreeOptions)
    concise_output: bool = False  # something of a --concise line has been printed
    selection_cmd: Any = None  # with -S, the command run for each device the selection picks (CommandFn)

    @property
    def engine(self) -> Engine:
        return self.ctx.engine

    @property
    def dm(self) -> DeviceMapper:
        """The dm ioctls."""
        return self.ctx.engine.dm

    def err(self, text: str) -> None:
        self.ctx.err(text)

    def out(self, text: str = "") -> None:
        self.ctx.out(text)

    def has(self, name: str) -> bool:
        return self.opts.has(name)


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

    @property
    def ioctl(self) -> DeviceRef:
        """The device as the ioctl names it."""
        return DeviceRef(self.name, self.uuid, self.major, self.minor)


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
    block = run.engine.block
    base = path.rsplit("/", 1)[1]
    devno = stat_node(run, path)
    if devno is None:
        if len(path) < 3 or path.startswith("/") or path.count("/") != 1:
            run.err(f"Device {path} not found")
            return None
        devno = stat_node(run, "/dev/" + path)
        if devno is None:
            run.err(f"Device {path} not found")
            return None
    elif stat_node(run, "/dev/mapper/" + base) == devno:
        return base
    for name, node in sorted(block.mapper_nodes().items()):
        if node == devno and devno[0] == run.dm.major:
            return name
    run.err(f"Device {base} not found")
    return None


def stat_node(run: Run, path: str) -> tuple[int, int] | None:
    """stat(2) of a /dev node: the device number it is for, if it exists."""
    return run.engine.block.stat(posixpath.normpath(path))


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


def lookup(run: Run, ref: DevRef) -> DmInfo | None:
    """DM_DEV_STATUS of the device a task names (with --inactive, of its inactive table); None if none."""
    try:
        return run.dm.dev_status(ref.ioctl, query_inactive=run.has("inactive"))
    except DMError:
        return None


def device_info(run: Run, name: str) -> DmInfo | None:
    """DM_DEV_STATUS of a device by name (None if it has gone)."""
    return lookup(run, DevRef(name=name))


def engine_name(run: Run, ref: DevRef) -> str:
    """The name to hand a name-only ioctl: the task's own name (the kernel reports a miss), or the one found."""
    if ref.name:
        return ref.name
    info = lookup(run, ref)
    if info is None:
        raise DMError(ENXIO)
    return info.name


def device_names(run: Run) -> list[str]:
    """DM_LIST_DEVICES: every mapped device's name, in order."""
    return [name for name, _major, _minor in run.dm.list_devices()]


# ----------------------------------------------------------------------------- names of block devices
def device_name(run: Run, major: int, minor: int, kernel: bool) -> str | None:
    """dm_device_get_name(): from sysfs, so a dm device has one only once its gendisk exists."""
    info = run.engine.block.info(major, minor)
    if info is None:
        return None
    return info.dm_name if info.dm_name and not kernel else info.kernel_name


def read_ahead(run: Run, info: DmInfo, name: str | None = None) -> int | None:
    """dm_task_get_read_ahead(): sysfs bdi/read_ahead_kb, else the node's BLKRAGET (whose open may fail)."""
    block = run.engine.block.info(info.major, info.minor)
    if block is not None:
        return block.read_ahead
    name = name or info.name
    node = run.engine.block.mapper_node(name) == (info.major, info.minor) and name == info.name
    run.err(f"/dev/mapper/{name}: open failed: {strerror(ENXIO if node else ENOENT)}")
    return None


# ----------------------------------------------------------------------------- struct dm_info
def info_of(run: Run, info: DmInfo, name: str | None = None) -> DmInfo:
    """The info as dmsetup shows it: ``name`` is the name the kernel found the device by, if it has changed
    since (a wait across a rename); --noopencount leaves the open count out (-1)."""
    if name is not None and name != info.name:
        info = dataclasses.replace(info, name=name)
    if run.has("noopencount"):
        info = dataclasses.replace(info, open_count=-1)
    return info


def print_info(run: Run, found: DmInfo, name: str | None = None) -> None:
    """_display_info_long(): the `dmsetup info` block, then an empty line."""
    info = info_of(run, found, name)
    state = "SUSPENDED" if info.suspended else "ACTIVE"
    state += " (READ-ONLY)" if info.read_only else ""
    state += " (DEFERRED REMOVE)" if info.deferred_remove else ""
    run.out(f"Name:              {info.name}")
    run.out(f"State:             {state}")
    value = read_ahead(run, found, info.name)
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


def tables_present(info: DmInfo) -> str:
    if not info.live_table and not info.inactive_table:
        return "None"
    both = " & " if info.live_table and info.inactive_table else ""
    return ("LIVE" if info.live_table else "") + both + ("INACTIVE" if info.inactive_table else "")


def display_info(run: Run, info: DmInfo | None, name: str | None = None) -> bool:
    """_display_info(): `Device does not exist.` for a missing device, else the block or a report row."""
    if info is None:
        run.err("Device does not exist.")
        return False
    if run.report is None:
        print_info(run, info, name)
        return True
    if run.selection_cmd is not None:
        # -v inside a command that -S picked: libdm would run that command again, and again, without end.
        return run.report.is_selected(run.report.object_for(run, info, name)) is not None
    return run.report.add(run, info, name)


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
