"""`dmsetup info -c` (and `splitname`): dmsetup's report fields and libdm's report output.

A report is set up once per invocation (``make_report``): the fields named by
``-o`` (``+FIELDS`` adds to the default, ``TYPE_all`` takes a whole section,
names match without underscores and case), how they are laid out (aligned
columns, ``--noheadings``, ``--separator``, ``--nameprefixes``). Rows are
buffered and printed at the end, which is why errors met while building the
rows come out before the report. An unknown field prints the field list and
``Unrecognised field: X`` and the command does not run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .dmsetup_common import Info, Run, device_name, info_of, read_ahead
from .dmsetup_tree import DepTree, deps_of

if TYPE_CHECKING:
    from ..engine.device import MappedDevice

DEFAULT_FIELDS = "name,major,minor,attr,open,segments,events,uuid"
SPLITNAME_FIELDS = "vg_name,lv_name,lv_layer"

# Report object types: (id, description, prefix). Fields of one description share a help section.
TASK, INFO, DEPS, TREE, NAME, STATS, STATS_META, SPECIAL = "task", "info", "deps", "tree", "name", "stats", "meta", "-"
TYPES: dict[str, tuple[str, str]] = {
    TASK: ("Mapped Device Name", "name_"),
    INFO: ("Mapped Device Information", "info_"),
    DEPS: ("Mapped Device Relationship Information", "deps_"),
    TREE: ("Mapped Device Relationship Information", "tree_"),
    NAME: ("Mapped Device Name Components", "splitname_"),
    STATS: ("Mapped Device Statistics", "stats_"),
    STATS_META: ("Mapped Device Statistics Region Information", "region_"),
    SPECIAL: ("Special", ""),
}


@dataclass
class ReportObject:
    """What one row is made from: the device, its info, and (when a field needs them) its deps and tree node."""

    run: Run
    md: MappedDevice | None
    info: Info | None
    split: tuple[str, str, str, str] | None = None  # subsystem, vg, lv, layer

    def deps(self) -> list:
        assert self.md is not None
        return deps_of(self.md, self.run.has("inactive"))

    def node(self):
        assert self.md is not None
        return tree_of(self.run).node(self.md)


Value = Callable[[ReportObject], "str | None"]


@dataclass(frozen=True)
class Field:
    type: str
    id: str
    heading: str
    width: int
    numeric: bool
    desc: str
    value: Value | None = None  # None: a statistics field (no region ever exists here, so no row is made)


def _info(attr: str) -> Value:
    return lambda obj: str(getattr(obj.info, attr))


def _blk_name(obj: ReportObject) -> str | None:
    info = obj.info
    assert info is not None
    name = device_name(obj.run.engine, info.major, info.minor, kernel=True)
    if name is None:
        obj.run.err(f"Could not resolve block device name for {info.major}:{info.minor}.")
    return name


def _attr(obj: ReportObject) -> str:
    i = obj.info
    assert i is not None
    return (
        ("L" if i.live_table else "-")
        + ("I" if i.inactive_table else "-")
        + ("s" if i.suspended else "-")
        + ("r" if i.read_only else "w")
    )


def _tables_loaded(obj: ReportObject) -> str:
    i = obj.info
    assert i is not None
    if i.live_table:
        return "Both" if i.inactive_table else "Live"
    return "Inactive" if i.inactive_table else "None"


def _read_ahead(obj: ReportObject) -> str:
    assert obj.md is not None and obj.info is not None
    value = read_ahead(obj.run, obj.md, obj.info.name)
    return str(value if value is not None else 0)


def _blk_deps(obj: ReportObject) -> str | None:
    names = []
    for dep in obj.deps():
        name = device_name(obj.run.engine, dep.major, dep.minor, kernel=True)
        if name is None:
            obj.run.err(f"Could not resolve block device name for {dep.major}:{dep.minor}.")
            return None
        names.append(name)
    return ",".join(names)


def _tree_names(inverted: bool) -> Value:
    def value(obj: ReportObject) -> str:
        node = obj.node()
        nodes = node.used_by if inverted else node.uses
        return ",".join(n.name for n in nodes if n.name)

    return value


def _tree_devnos(obj: ReportObject) -> str:
    return ",".join(f"{n.major}:{n.minor}" for n in obj.node().used_by if n.major or n.minor)


def _split(index: int) -> Value:
    def value(obj: ReportObject) -> str | None:
        return None if obj.split is None else obj.split[index]

    return value


def _name_of(obj: ReportObject) -> str:
    assert obj.info is not None
    return obj.info.name


def _uuid_of(obj: ReportObject) -> str:
    assert obj.info is not None
    return obj.info.uuid


_STATS = [
    ("#Reads", 6, "read_count", "Count of reads completed."),
    ("#RdMrgs", 7, "reads_merged_count", "Count of read requests merged."),
    ("#RdSectors", 10, "read_sector_count", "Count of sectors read."),
    ("AccRdTime", 11, "read_time", "Accumulated duration of all read requests (ns)."),
    ("#Writes", 7, "write_count", "Count of writes completed."),
    ("#WrMrgs", 7, "writes_merged_count", "Count of write requests merged."),
    ("#WrSectors", 10, "write_sector_count", "Count of sectors written."),
    ("AccWrTime", 11, "write_time", "Accumulated duration of all writes (ns)."),
    ("#InProg", 7, "in_progress_count", "Count of requests currently in progress."),
    ("IoTicks", 7, "io_ticks", "Nanoseconds spent servicing requests."),
    ("QueueTicks", 10, "queue_ticks", "Total nanoseconds spent in queue."),
    ("RdTicks", 7, "read_ticks", "Nanoseconds spent servicing reads."),
    ("WrTicks", 7, "write_ticks", "Nanoseconds spent servicing writes."),
    ("RMrg/s", 6, "reads_merged_per_sec", "Read requests merged per second."),
    ("WMrg/s", 6, "writes_merged_per_sec", "Write requests merged per second."),
    ("R/s", 3, "reads_per_sec", "Reads per second."),
    ("W/s", 3, "writes_per_sec", "Writes per second."),
    ("RSz/s", 5, "read_size_per_sec", "Size of data read per second."),
    ("WSz/s", 5, "write_size_per_sec", "Size of data written per second."),
    ("AvgRqSz", 7, "avg_request_size", "Average request size."),
    ("QSize", 5, "queue_size", "Average queue size."),
    ("AWait", 5, "await", "Averate wait time."),
    ("RdAWait", 7, "read_await", "Averate read wait time."),
    ("WrAWait", 7, "write_await", "Averate write wait time."),
    ("Throughput", 10, "throughput", "Throughput."),
    ("SvcTm", 5, "service_time", "Service time."),
    ("Util%", 5, "util", "Utilization."),
    ("Histogram Counts", 16, "hist_count", "Latency histogram counts."),
    ("Histogram Counts", 16, "hist_count_bounds", "Latency histogram counts with bin boundaries."),
    ("Histogram Counts", 16, "hist_count_ranges", "Latency histogram counts with bin ranges."),
    ("Histogram%", 10, "hist_percent", "Relative latency histogram."),
    ("Histogram%", 10, "hist_percent_bounds", "Relative latency histogram with bin boundaries."),
    ("Histogram%", 10, "hist_percent_ranges", "Relative latency histogram with bin ranges."),
    ("IntervalNs", 10, "interval_ns", "Sampling interval in nanoseconds."),
    ("Interval", 8, "interval", "Sampling interval."),
]
_STATS_META = [
    ("RgID", 4, "region_id", "Region ID."),
    ("RgStart", 7, "region_start", "Region start."),
    ("RgSize", 6, "region_len", "Region length."),
    ("ArID", 4, "area_id", "Area ID."),
    ("ArStart", 7, "area_start", "Area offset from start of device."),
    ("ArSize", 6, "area_len", "Area length."),
    ("ArOff", 5, "area_offset", "Area offset from start of region."),
    ("#Areas", 6, "area_count", "Area count."),
    ("GrpID", 5, "group_id", "Group ID."),
    ("ProgID", 6, "program_id", "Program ID."),
    ("UserData", 8, "user_data", "Auxiliary data."),
    ("Precise", 7, "precise", "Set if nanosecond precision counters are enabled."),
    ("#Bins", 9, "hist_bins", "The number of histogram bins configured."),
    ("Histogram Bounds", 16, "hist_bounds", "Latency histogram bin boundaries."),
    ("Histogram Ranges", 16, "hist_ranges", "Latency histogram bin ranges."),
    ("Name", 16, "stats_name", "Stats name of current object."),
    ("ObjType", 7, "obj_type", "Type of stats object being reported."),
]

FIELDS: list[Field] = [
    Field(TASK, "name", "Name", 16, False, "Name of mapped device.", _name_of),
    Field(TASK, "mangled_name", "MangledName", 16, False, "Mangled name of mapped device.", _name_of),
    Field(TASK, "unmangled_name", "UnmangledName", 16, False, "Unmangled name of mapped device.", _name_of),
    Field(TASK, "uuid", "UUID", 32, False, "Unique (optional) identifier for mapped device.", _uuid_of),
    Field(
        TASK,
        "mangled_uuid",
        "MangledUUID",
        32,
        False,
        "Mangled unique (optional) identifier for mapped device.",
        _uuid_of,
    ),
    Field(
        TASK,
        "unmangled_uuid",
        "UnmangledUUID",
        32,
        False,
        "Unmangled unique (optional) identifier for mapped device.",
        _uuid_of,
    ),
    Field(TASK, "read_ahead", "RAhead", 6, True, "Read ahead value.", _read_ahead),
    Field(INFO, "blkdevname", "BlkDevName", 16, False, "Name of block device.", _blk_name),
    Field(INFO, "attr", "Stat", 4, False, "(L)ive, (I)nactive, (s)uspended, (r)ead-only, read-(w)rite.", _attr),
    Field(
        INFO,
        "tables_loaded",
        "Tables",
        6,
        False,
        "Which of the live and inactive table slots are filled.",
        _tables_loaded,
    ),
    Field(
        INFO,
        "suspended",
        "Suspended",
        9,
        False,
        "Whether the device is suspended.",
        lambda o: "Suspended" if o.info and o.info.suspended else "Active",
    ),
    Field(
        INFO,
        "readonly",
        "Read-only",
        9,
        False,
        "Whether the device is read-only or writeable.",
        lambda o: "Read-only" if o.info and o.info.read_only else "Writeable",
    ),
    Field(
        INFO,
        "devno",
        "DevNo",
        5,
        False,
        "Device major and minor numbers",
        lambda o: f"{o.info.major}:{o.info.minor}" if o.info else None,
    ),
    Field(INFO, "major", "Maj", 3, True, "Block device major number.", _info("major")),
    Field(INFO, "minor", "Min", 3, True, "Block device minor number.", _info("minor")),
    Field(INFO, "open", "Open", 4, True, "Number of references to open device, if requested.", _info("open_count")),
    Field(INFO, "segments", "Targ", 4, True, "Number of segments in live table, if present.", _info("target_count")),
    Field(INFO, "events", "Event", 6, True, "Number of most recent event.", _info("event_nr")),
    Field(DEPS, "device_count", "#Devs", 5, True, "Number of devices used by this one.", lambda o: str(len(o.deps()))),
    Field(
        TREE,
        "devs_used",
        "DevNamesUsed",
        16,
        False,
        "List of names of mapped devices used by this one.",
        _tree_names(False),
    ),
    Field(
        DEPS,
        "devnos_used",
        "DevNosUsed",
        16,
        False,
        "List of device numbers of devices used by this one.",
        lambda o: ",".join(f"{d.major}:{d.minor}" for d in o.deps()),
    ),
    Field(
        DEPS,
        "blkdevs_used",
        "BlkDevNamesUsed",
        16,
        False,
        "List of names of block devices used by this one.",
        _blk_deps,
    ),
    Field(
        TREE,
        "device_ref_count",
        "#Refs",
        5,
        True,
        "Number of mapped devices referencing this one.",
        lambda o: str(tree_of(o.run).num_children(o.node(), inverted=True)),
    ),
    Field(
        TREE,
        "names_using_dev",
        "RefNames",
        8,
        False,
        "List of names of mapped devices using this one.",
        _tree_names(True),
    ),
    Field(
        TREE,
        "devnos_using_dev",
        "RefDevNos",
        9,
        False,
        "List of device numbers of mapped devices using this one.",
        _tree_devnos,
    ),
    Field(NAME, "subsystem", "Subsys", 6, False, "Userspace subsystem responsible for this device.", _split(0)),
    Field(NAME, "vg_name", "VG", 4, False, "LVM Volume Group name.", _split(1)),
    Field(NAME, "lv_name", "LV", 4, False, "LVM Logical Volume name.", _split(2)),
    Field(NAME, "lv_layer", "LVLayer", 7, False, "LVM device layer.", _split(3)),
    *(Field(STATS, fid, head, width, True, desc) for head, width, fid, desc in _STATS),
    *(Field(STATS_META, fid, head, width, True, desc) for head, width, fid, desc in _STATS_META),
]
IMPLICIT: list[Field] = [
    Field(SPECIAL, "selected", "Selected", 8, True, "Set if item passes selection criteria.", lambda o: "1"),
    Field(SPECIAL, "help", "Help", 8, True, "Show help."),
    Field(SPECIAL, "?", "Help", 8, True, "Show help."),
]


def tree_of(run: Run) -> DepTree:
    """_build_whole_deptree(): once per invocation (it lists the devices, so it may say there are none)."""
    if run.tree is None:
        if not run.engine.devices:
            run.out("No devices found")
        run.tree = DepTree.build(run.engine)
    return run.tree


# ----------------------------------------------------------------------------- the field list
def field_help() -> list[str]:
    """_display_fields(rh, 1, 0): every section with its TYPE_all line, then the special fields."""
    width = max([len(f.id) for f in FIELDS + IMPLICIT] + [len(prefix) + 3 for _, prefix in TYPES.values()])
    lines = _help_section(FIELDS, width)
    lines.append(" ")
    lines += _help_section(IMPLICIT, width)
    return lines


def _help_section(fields: list[Field], width: int) -> list[str]:
    lines: list[str] = []
    last = ""
    for f in fields:
        desc, prefix = TYPES[f.type]
        if desc != last:
            if last:
                lines.append(" ")
            lines.append(f"{desc} Fields")
            lines.append("-" * (len(desc) + 7))
            if f.type != SPECIAL:
                lines.append(f"  {prefix}all{'':<{width - 3 - len(prefix)}} - All fields in this section.")
        lines.append(f"  {f.id:<{width}} - {f.desc}")
        last = desc
    return lines


def _canonical(name: str) -> str:
    return name.replace("_", "").lower()


def _match(token: str) -> list[Field] | None:
    """The fields a -o word names: a field, `all`, or a section's `PREFIX_all`."""
    canon = _canonical(token)
    for f in IMPLICIT + FIELDS:
        if canon and _canonical(f.id) == canon:
            return [f]
    if token.lower() == "all":
        return list(FIELDS)
    types = {t for t, (_, prefix) in TYPES.items() if prefix and canon == prefix[:-1].replace("_", "") + "all"}
    return [f for f in FIELDS if f.type in types] or None


def parse_fields(spec: str) -> tuple[list[Field] | None, str]:
    """_parse_fields(): the fields in order, or None and the word that matched nothing."""
    chosen: list[Field] = []
    pos = 0
    while pos < len(spec):
        while pos < len(spec) and spec[pos] == ",":
            pos += 1
        end = spec.find(",", pos)
        end = len(spec) if end < 0 else end
        found = _match(spec[pos:end])
        if found is None:
            return None, spec[pos:end]
        chosen += found
        pos = end
    return chosen, ""


# ----------------------------------------------------------------------------- the report
@dataclass
class Report:
    fields: list[Field]
    aligned: bool = True
    headings: bool = True
    separator: str = " "
    prefixes: bool = False
    quoted: bool = True
    help_shown: bool = False
    rows: list[list[str]] = field(default_factory=list)

    def add(self, run: Run, md: MappedDevice, name: str | None = None) -> bool:
        """_display_info_cols(): one row, unless a field fails (then no row, and a failure)."""
        info = info_of(run, md, name)
        return self.add_object(ReportObject(run, md, info, split_name(info.uuid, info.name, "-")))

    def add_object(self, obj: ReportObject) -> bool:
        if self.help_shown or any(f.type in (STATS, STATS_META) for f in self.fields):
            return True  # help was asked for, or a statistics report with no regions: nothing to show
        row = []
        for f in self.fields:
            if obj.info is None and f.type not in (NAME, SPECIAL):
                obj.run.err(f"_do_report_object: no data assigned to field {f.id}")
                return False
            value = f.value(obj) if f.value is not None else None
            if value is None:
                obj.run.err(f"_do_report_object: report function failed for field {f.id}")
                return False
            row.append(value)
        self.rows.append(row)
        return True

    def output(self, run: Run) -> None:
        """dm_report_output(): nothing at all when there are no rows."""
        if not self.rows:
            return
        widths = [max([f.width] + [len(r[i]) for r in self.rows]) for i, f in enumerate(self.fields)]
        if self.headings:
            run.out(self.separator.join(self._heading(f, w) for f, w in zip(self.fields, widths, strict=True)))
        for row in self.rows:
            cells = [self._cell(f, v, w) for f, v, w in zip(self.fields, row, widths, strict=True)]
            run.out(self.separator.join(cells))
        self.rows.clear()

    def _heading(self, f: Field, width: int) -> str:
        return f.heading[:width].ljust(width) if self.aligned else f.heading

    def _cell(self, f: Field, value: str, width: int) -> str:
        if self.prefixes:
            quote = "'" if self.quoted else ""
            return f"DM_{f.id.upper()}={quote}{value}{quote}"
        if not self.aligned:
            return value
        return value.rjust(width) if f.numeric else value.ljust(width)


def make_report(run: Run, command: str) -> Report | None:
    """_report_init(): the layout from the switches and the fields from -o; None (after the list) if one is unknown."""
    opts = run.opts
    spec = SPLITNAME_FIELDS if command == "splitname" else DEFAULT_FIELDS
    given = opts.get("options")
    headings = not opts.has("noheadings")
    if given is not None:
        if "help" in given:
            headings = False
        spec = spec + "," + given[1:] if given.startswith("+") else given
    fields, bad = parse_fields(spec)
    if fields is None:
        for line in field_help() + [" "]:
            run.err(line)
        run.err(f"Unrecognised field: {bad}")
        return None
    report = Report(fields, headings=headings, quoted=not opts.has("unquoted"))
    _layout(run, report)
    if any(f.type == TREE for f in fields):
        tree_of(run)
    if any(f.id in ("help", "?") for f in fields):
        for line in field_help() + [" "]:
            run.err(line)
        report.help_shown = True
    return report


def _layout(run: Run, report: Report) -> None:
    opts = run.opts
    if opts.has("noheadings"):
        report.separator, report.aligned = ":", False
    if opts.has("nameprefixes"):
        report.aligned, report.prefixes = False, True
    if opts.get("separator") is not None:
        report.separator, report.aligned = opts.get("separator") or "", False


# ----------------------------------------------------------------------------- names split into components
def split_name(uuid: str, name: str, separator: str) -> tuple[str, str, str, str]:
    """_get_split_name(): the subsystem is the UUID up to the separator; LVM names split into VG, LV, layer."""
    subsystem = uuid.split(separator, 1)[0] if separator and separator in uuid else ""
    if separator == "":
        subsystem = uuid
    if subsystem != "LVM":
        return subsystem, "", "", ""
    vg, rest = _unquote(name)
    lv, rest = _unquote(rest)
    layer, _ = _unquote(rest)
    return subsystem, vg, lv, layer


def _unquote(text: str) -> tuple[str, str]:
    """libdm's _unquote(): up to the first single `-` (a `--` stands for `-`), and what follows it."""
    out, i = [], 0
    while i < len(text):
        if i + 1 < len(text) and text[i] == "-":
            if text[i + 1] != "-":
                return "".join(out), text[i + 1 :]
            i += 1
        out.append(text[i])
        i += 1
    return "".join(out), ""
