"""`dmsetup info -c` (and `splitname`): dmsetup's report fields, their values and names.

Each field has a section (its report type), an id, a heading, a width, a
type (string, number or size: how it is aligned, sorted and compared by
``-S``) and a value taken from the row's object. Names match without
underscores and in any case; ``all`` and ``SECTION_all`` name whole sections
(``all`` alone: the sections already named, or every one). An unknown field
prints the field list, with the ``SECTION_all`` lines (or, for ``-S``, each
field's type). How a report is set up and printed is in ``reporter``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ...engine.dm.ioctl import DeviceRef, DmInfo
from .common import Run, device_name, read_ahead
from .select import NUMBER, SIZE, STRING
from .tree import Dep, DepTree, deps_of

STR, NUM, SIZ = STRING, NUMBER, SIZE

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
    found: DmInfo | None  # DM_DEV_STATUS as the kernel returned it
    info: DmInfo | None  # as dmsetup shows it (the name it was asked by, --noopencount)
    split: tuple[str, str, str, str] | None = None  # subsystem, vg, lv, layer

    def deps(self) -> list[Dep]:
        assert self.found is not None
        ref = DeviceRef(major=self.found.major, minor=self.found.minor)
        return deps_of(self.run.dm, ref, self.run.has("inactive"))

    def node(self):
        assert self.found is not None
        return tree_of(self.run).node(self.found.major, self.found.minor)


Value = Callable[[ReportObject], "str | None"]


@dataclass(frozen=True)
class Field:
    """dm_report_field_type: one report field (its section, id, heading, width, type, help) and its value."""

    type: str
    id: str
    heading: str
    width: int
    kind: str  # STR, NUM or SIZ: how it is aligned, sorted and compared in a selection
    desc: str
    value: Value | None = None  # None: a statistics field (no region ever exists here, so no row is made)
    uncomparable: bool = False  # help and ?: not allowed in a selection

    @property
    def numeric(self) -> bool:
        """Numbers and sizes are right-aligned and sorted as numbers."""
        return self.kind in (NUM, SIZ)


def _info(attr: str) -> Value:
    return lambda obj: str(getattr(obj.info, attr))


def _blk_name(obj: ReportObject) -> str | None:
    info = obj.info
    assert info is not None
    name = device_name(obj.run, info.major, info.minor, kernel=True)
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
    assert obj.found is not None and obj.info is not None
    value = read_ahead(obj.run, obj.found, obj.info.name)
    return str(value if value is not None else 0)


def _blk_deps(obj: ReportObject) -> str | None:
    names = []
    for dep in obj.deps():
        name = device_name(obj.run, dep.major, dep.minor, kernel=True)
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
    ("#Reads", 6, "read_count", NUM, "Count of reads completed."),
    ("#RdMrgs", 7, "reads_merged_count", NUM, "Count of read requests merged."),
    ("#RdSectors", 10, "read_sector_count", NUM, "Count of sectors read."),
    ("AccRdTime", 11, "read_time", NUM, "Accumulated duration of all read requests (ns)."),
    ("#Writes", 7, "write_count", NUM, "Count of writes completed."),
    ("#WrMrgs", 7, "writes_merged_count", NUM, "Count of write requests merged."),
    ("#WrSectors", 10, "write_sector_count", NUM, "Count of sectors written."),
    ("AccWrTime", 11, "write_time", NUM, "Accumulated duration of all writes (ns)."),
    ("#InProg", 7, "in_progress_count", NUM, "Count of requests currently in progress."),
    ("IoTicks", 7, "io_ticks", NUM, "Nanoseconds spent servicing requests."),
    ("QueueTicks", 10, "queue_ticks", NUM, "Total nanoseconds spent in queue."),
    ("RdTicks", 7, "read_ticks", NUM, "Nanoseconds spent servicing reads."),
    ("WrTicks", 7, "write_ticks", NUM, "Nanoseconds spent servicing writes."),
    ("RMrg/s", 6, "reads_merged_per_sec", NUM, "Read requests merged per second."),
    ("WMrg/s", 6, "writes_merged_per_sec", NUM, "Write requests merged per second."),
    ("R/s", 3, "reads_per_sec", NUM, "Reads per second."),
    ("W/s", 3, "writes_per_sec", NUM, "Writes per second."),
    ("RSz/s", 5, "read_size_per_sec", NUM, "Size of data read per second."),
    ("WSz/s", 5, "write_size_per_sec", NUM, "Size of data written per second."),
    ("AvgRqSz", 7, "avg_request_size", NUM, "Average request size."),
    ("QSize", 5, "queue_size", NUM, "Average queue size."),
    ("AWait", 5, "await", NUM, "Averate wait time."),
    ("RdAWait", 7, "read_await", NUM, "Averate read wait time."),
    ("WrAWait", 7, "write_await", NUM, "Averate write wait time."),
    ("Throughput", 10, "throughput", NUM, "Throughput."),
    ("SvcTm", 5, "service_time", NUM, "Service time."),
    ("Util%", 5, "util", NUM, "Utilization."),
    ("Histogram Counts", 16, "hist_count", STR, "Latency histogram counts."),
    ("Histogram Counts", 16, "hist_count_bounds", STR, "Latency histogram counts with bin boundaries."),
    ("Histogram Counts", 16, "hist_count_ranges", STR, "Latency histogram counts with bin ranges."),
    ("Histogram%", 10, "hist_percent", STR, "Relative latency histogram."),
    ("Histogram%", 10, "hist_percent_bounds", STR, "Relative latency histogram with bin boundaries."),
    ("Histogram%", 10, "hist_percent_ranges", STR, "Relative latency histogram with bin ranges."),
    ("IntervalNs", 10, "interval_ns", NUM, "Sampling interval in nanoseconds."),
    ("Interval", 8, "interval", NUM, "Sampling interval."),
]
_STATS_META = [
    ("RgID", 4, "region_id", NUM, "Region ID."),
    ("RgStart", 7, "region_start", SIZ, "Region start."),
    ("RgSize", 6, "region_len", SIZ, "Region length."),
    ("ArID", 4, "area_id", NUM, "Area ID."),
    ("ArStart", 7, "area_start", SIZ, "Area offset from start of device."),
    ("ArSize", 6, "area_len", SIZ, "Area length."),
    ("ArOff", 5, "area_offset", SIZ, "Area offset from start of region."),
    ("#Areas", 6, "area_count", NUM, "Area count."),
    ("GrpID", 5, "group_id", NUM, "Group ID."),
    ("ProgID", 6, "program_id", STR, "Program ID."),
    ("UserData", 8, "user_data", STR, "Auxiliary data."),
    ("Precise", 7, "precise", STR, "Set if nanosecond precision counters are enabled."),
    ("#Bins", 9, "hist_bins", STR, "The number of histogram bins configured."),
    ("Histogram Bounds", 16, "hist_bounds", STR, "Latency histogram bin boundaries."),
    ("Histogram Ranges", 16, "hist_ranges", STR, "Latency histogram bin ranges."),
    ("Name", 16, "stats_name", STR, "Stats name of current object."),
    ("ObjType", 7, "obj_type", STR, "Type of stats object being reported."),
]

FIELDS: list[Field] = [
    Field(TASK, "name", "Name", 16, STR, "Name of mapped device.", _name_of),
    Field(TASK, "mangled_name", "MangledName", 16, STR, "Mangled name of mapped device.", _name_of),
    Field(TASK, "unmangled_name", "UnmangledName", 16, STR, "Unmangled name of mapped device.", _name_of),
    Field(TASK, "uuid", "UUID", 32, STR, "Unique (optional) identifier for mapped device.", _uuid_of),
    Field(
        TASK,
        "mangled_uuid",
        "MangledUUID",
        32,
        STR,
        "Mangled unique (optional) identifier for mapped device.",
        _uuid_of,
    ),
    Field(
        TASK,
        "unmangled_uuid",
        "UnmangledUUID",
        32,
        STR,
        "Unmangled unique (optional) identifier for mapped device.",
        _uuid_of,
    ),
    Field(TASK, "read_ahead", "RAhead", 6, NUM, "Read ahead value.", _read_ahead),
    Field(INFO, "blkdevname", "BlkDevName", 16, STR, "Name of block device.", _blk_name),
    Field(INFO, "attr", "Stat", 4, STR, "(L)ive, (I)nactive, (s)uspended, (r)ead-only, read-(w)rite.", _attr),
    Field(
        INFO,
        "tables_loaded",
        "Tables",
        6,
        STR,
        "Which of the live and inactive table slots are filled.",
        _tables_loaded,
    ),
    Field(
        INFO,
        "suspended",
        "Suspended",
        9,
        STR,
        "Whether the device is suspended.",
        lambda o: "Suspended" if o.info and o.info.suspended else "Active",
    ),
    Field(
        INFO,
        "readonly",
        "Read-only",
        9,
        STR,
        "Whether the device is read-only or writeable.",
        lambda o: "Read-only" if o.info and o.info.read_only else "Writeable",
    ),
    Field(
        INFO,
        "devno",
        "DevNo",
        5,
        STR,
        "Device major and minor numbers",
        lambda o: f"{o.info.major}:{o.info.minor}" if o.info else None,
    ),
    Field(INFO, "major", "Maj", 3, NUM, "Block device major number.", _info("major")),
    Field(INFO, "minor", "Min", 3, NUM, "Block device minor number.", _info("minor")),
    Field(INFO, "open", "Open", 4, NUM, "Number of references to open device, if requested.", _info("open_count")),
    Field(INFO, "segments", "Targ", 4, NUM, "Number of segments in live table, if present.", _info("target_count")),
    Field(INFO, "events", "Event", 6, NUM, "Number of most recent event.", _info("event_nr")),
    Field(DEPS, "device_count", "#Devs", 5, NUM, "Number of devices used by this one.", lambda o: str(len(o.deps()))),
    Field(
        TREE,
        "devs_used",
        "DevNamesUsed",
        16,
        STR,
        "List of names of mapped devices used by this one.",
        _tree_names(False),
    ),
    Field(
        DEPS,
        "devnos_used",
        "DevNosUsed",
        16,
        STR,
        "List of device numbers of devices used by this one.",
        lambda o: ",".join(f"{d.major}:{d.minor}" for d in o.deps()),
    ),
    Field(
        DEPS,
        "blkdevs_used",
        "BlkDevNamesUsed",
        16,
        STR,
        "List of names of block devices used by this one.",
        _blk_deps,
    ),
    Field(
        TREE,
        "device_ref_count",
        "#Refs",
        5,
        NUM,
        "Number of mapped devices referencing this one.",
        lambda o: str(tree_of(o.run).num_children(o.node(), inverted=True)),
    ),
    Field(
        TREE,
        "names_using_dev",
        "RefNames",
        8,
        STR,
        "List of names of mapped devices using this one.",
        _tree_names(True),
    ),
    Field(
        TREE,
        "devnos_using_dev",
        "RefDevNos",
        9,
        STR,
        "List of device numbers of mapped devices using this one.",
        _tree_devnos,
    ),
    Field(NAME, "subsystem", "Subsys", 6, STR, "Userspace subsystem responsible for this device.", _split(0)),
    Field(NAME, "vg_name", "VG", 4, STR, "LVM Volume Group name.", _split(1)),
    Field(NAME, "lv_name", "LV", 4, STR, "LVM Logical Volume name.", _split(2)),
    Field(NAME, "lv_layer", "LVLayer", 7, STR, "LVM device layer.", _split(3)),
    *(Field(STATS, fid, head, width, kind, desc) for head, width, fid, kind, desc in _STATS),
    *(Field(STATS_META, fid, head, width, kind, desc) for head, width, fid, kind, desc in _STATS_META),
]
IMPLICIT: list[Field] = [
    Field(SPECIAL, "selected", "Selected", 8, NUM, "Set if item passes selection criteria.", lambda o: "1"),
    Field(SPECIAL, "help", "Help", 8, NUM, "Show help.", uncomparable=True),
    Field(SPECIAL, "?", "Help", 8, NUM, "Show help.", uncomparable=True),
]


def tree_of(run: Run) -> DepTree:
    """_build_whole_deptree(): once per invocation (it lists the devices, so it may say there are none)."""
    if run.tree is None:
        if not run.dm.list_devices():
            run.out("No devices found")
        run.tree = DepTree.build(run.dm)
    return run.tree


# ----------------------------------------------------------------------------- the field list
def field_help(all_items: bool = True, types: bool = False) -> list[str]:
    """_display_fields(): every section (with its TYPE_all line, or with each field's [type]), then the special ones."""
    width = max([len(f.id) for f in FIELDS + IMPLICIT] + [len(prefix) + 3 for _, prefix in TYPES.values()])
    lines = _help_section(FIELDS, width, all_items, types)
    lines.append(" ")
    lines += _help_section(IMPLICIT, width, all_items, types)
    return lines


def _help_section(fields: list[Field], width: int, all_items: bool, types: bool) -> list[str]:
    lines: list[str] = []
    last = ""
    for f in fields:
        desc, prefix = TYPES[f.type]
        if desc != last:
            if last:
                lines.append(" ")
            lines.append(f"{desc} Fields")
            lines.append("-" * (len(desc) + 7))
            if all_items and f.type != SPECIAL:
                lines.append(f"  {prefix}all{'':<{width - 3 - len(prefix)}} - All fields in this section.")
        suffix = f" [{'unselectable ' if f.uncomparable else ''}{f.kind}]" if types else ""
        lines.append(f"  {f.id:<{width}} - {f.desc}{suffix}")
        last = desc
    return lines


# ----------------------------------------------------------------------------- field names
ID_LEN = 32  # DM_REPORT_FIELD_TYPE_ID_LEN: a canonical name has at most 31 characters
ALL_TYPES = 0xFFFFFFFF
TYPE_BITS = {TASK: 0x1, INFO: 0x2, DEPS: 0x4, TREE: 0x8, NAME: 0x10, STATS: 0x20, STATS_META: 0x40, SPECIAL: 0x80000000}

Err = Callable[[str], None]


def canonical(text: str, length: int, err: Err) -> str | None:
    """_get_canonical_field_name(): the name without underscores; too long says so (with the rest of the text)."""
    out: list[str] = []
    for i, ch in enumerate(text[:length]):
        if ch == "_":
            continue
        if len(out) + 1 >= ID_LEN:
            err(f"{text[i:]}: field name too long.")
            return None
        out.append(ch)
    return "".join(out)


def get_field(text: str, length: int, err: Err) -> Field | None:
    """_get_field(): the special fields first, then the report's, by canonical name in any case."""
    if not length:
        return None
    canon = canonical(text, length, err)
    if canon is None:
        return None
    for f in IMPLICIT + FIELDS:
        if f.id.replace("_", "").lower() == canon.lower():
            return f
    return None


def all_match(text: str, length: int, report_types: int, prefix: str, err: Err) -> int:
    """_all_match(): the report types `all` or `PREFIX_all` stands for (0 for none)."""
    word = text[:length]
    unprefixed = word.lower() == "all"
    if unprefixed and not prefix:
        return report_types or ALL_TYPES
    types = report_types if unprefixed else 0
    canon = canonical(prefix if unprefixed else text, len(prefix) if unprefixed else length, err)
    if canon is None:
        return types
    for type_id, (_, type_prefix) in TYPES.items():
        stem = type_prefix[:-1]
        if not type_prefix or canon[: len(stem)].lower() != stem.lower():
            continue
        rest = canon[len(stem) :]
        if (unprefixed and not rest) or rest.lower() == "all":
            types |= TYPE_BITS[type_id]
    return types


def fields_of_types(types: int) -> list[Field]:
    """_add_all_fields(): every report field whose section is among ``types``."""
    return [f for f in FIELDS if TYPE_BITS[f.type] & types]


def words(spec: str) -> list[tuple[int, int]]:
    """(start, end) of each comma-separated word: commas in a row are skipped, a trailing one leaves an empty word."""
    found: list[tuple[int, int]] = []
    pos = 0
    while pos < len(spec):
        while pos < len(spec) and spec[pos] == ",":
            pos += 1
        end = spec.find(",", pos)
        end = len(spec) if end < 0 else end
        found.append((pos, end))
        pos = end
    return found


def match_word(spec: str, start: int, end: int, report_types: int, prefix: str, err: Err) -> list[Field] | None:
    """_field_match(): the fields a -o word names (a field, `all` or `PREFIX_all`), or None."""
    f = get_field(spec[start:], end - start, err)
    if f is not None:
        return [f]
    types = all_match(spec[start:], end - start, report_types, prefix, err) if end > start else 0
    return fields_of_types(types) if types else None


def parse_fields(spec: str, report_types: int = 0, err: Err | None = None) -> tuple[list[Field] | None, str]:
    """_parse_fields(): the fields in order, or None and the word that matched nothing."""
    chosen: list[Field] = []
    for start, end in words(spec):
        found = match_word(spec, start, end, report_types, "", err or (lambda _: None))
        if found is None:
            return None, spec[start:end]
        chosen += found
    return chosen, ""


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
