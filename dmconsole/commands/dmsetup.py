"""`dmsetup`, with its options, its output formats and its error texts (libdm 1.02.185)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..engine.engine import DRIVER_VERSION, LIBRARY_VERSION
from ..engine.errors import ENXIO, DMError, strerror
from ..engine.target import TARGET_TYPES
from .context import Context
from .registry import DEVICE, MESSAGE, TABLE, TARGET_TYPE, Arg, command

# getopt_long options: name -> (short letter or "", takes an argument)
OPTIONS: dict[str, tuple[str, bool]] = {
    "columns": ("c", False),
    "count": ("", True),
    "concise": ("", False),
    "deferred": ("", False),
    "exec": ("", True),
    "force": ("f", False),
    "gid": ("G", True),
    "help": ("h", False),
    "inactive": ("", False),
    "interval": ("", True),
    "manglename": ("", True),
    "major": ("j", True),
    "minor": ("m", True),
    "mode": ("M", True),
    "nameprefixes": ("", False),
    "noflush": ("", False),
    "noheadings": ("", False),
    "nolockfs": ("", False),
    "noopencount": ("", False),
    "notable": ("n", False),
    "udevcookie": ("", True),
    "noudevrules": ("", False),
    "noudevsync": ("", False),
    "options": ("o", True),
    "readahead": ("", True),
    "readonly": ("r", False),
    "retry": ("", False),
    "rows": ("", False),
    "select": ("S", True),
    "separator": ("", True),
    "setuuid": ("", False),
    "showkeys": ("", False),
    "sort": ("O", True),
    "table": ("", True),
    "target": ("", True),
    "tree": ("", False),
    "uid": ("U", True),
    "uuid": ("u", True),
    "unbuffered": ("", False),
    "verbose": ("v", False),
    "verifyudev": ("", False),
    "version": ("", False),
    "yes": ("y", False),
    "addnodeoncreate": ("", False),
    "addnodeonresume": ("", False),
    "checks": ("", False),
    "unquoted": ("", False),
}
SHORT = {short: name for name, (short, _) in OPTIONS.items() if short}
SHORT["C"] = "columns"


class UsageError(Exception):
    pass


@dataclass
class Opts:
    values: dict[str, str] = field(default_factory=dict)
    flags: dict[str, int] = field(default_factory=dict)

    def has(self, name: str) -> bool:
        return name in self.flags or name in self.values

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.values.get(name, default)


def parse_options(argv: list[str]) -> tuple[Opts, list[str]]:
    """getopt_long with permutation: options anywhere, `--` ends them."""
    opts, rest = Opts(), []
    i = 0
    while i < len(argv):
        word = argv[i]
        if word == "--":
            rest.extend(argv[i + 1 :])
            break
        if word.startswith("--") and len(word) > 2:
            name, eq, value = word[2:].partition("=")
            matches = [n for n in OPTIONS if n == name] or [n for n in OPTIONS if n.startswith(name)]
            if len(matches) != 1:
                kind = "unrecognized" if not matches else "ambiguous"
                raise UsageError(f"dmsetup: {kind} option '--{name}'")
            name = matches[0]
            if OPTIONS[name][1]:
                if not eq:
                    i += 1
                    if i >= len(argv):
                        raise UsageError(f"dmsetup: option '--{name}' requires an argument")
                    value = argv[i]
                opts.values[name] = value
            else:
                if eq:
                    raise UsageError(f"dmsetup: option '--{name}' doesn't allow an argument")
                opts.flags[name] = opts.flags.get(name, 0) + 1
        elif word.startswith("-") and len(word) > 1:
            j = 1
            while j < len(word):
                letter = word[j]
                name = SHORT.get(letter)
                if name is None:
                    raise UsageError(f"dmsetup: invalid option -- '{letter}'")
                if OPTIONS[name][1]:
                    value = word[j + 1 :]
                    if not value:
                        i += 1
                        if i >= len(argv):
                            raise UsageError(f"dmsetup: option requires an argument -- '{letter}'")
                        value = argv[i]
                    opts.values[name] = value
                    break
                opts.flags[name] = opts.flags.get(name, 0) + 1
                j += 1
        else:
            rest.append(word)
        i += 1
    return opts, rest


def ioctl_error(ctx: Context, op: str, name: str, err: DMError, devno: str = "", uuid: str = "") -> None:
    """libdm's `device-mapper: OP ioctl on NAME UUID(MAJ:MIN) failed: TEXT`."""
    where = f"({devno})" if devno else ""
    ctx.err(f"device-mapper: {op} ioctl on {name} {uuid}{where} failed: {strerror(err.errno)}")


def command_failed(ctx: Context) -> int:
    ctx.err("Command failed.")
    return 1


# ----------------------------------------------------------------------------- table text
def parse_table_text(text: str) -> list[tuple[int, int, str, str]]:
    """libdm's table parser: `start length type params` per line, `#` comments, blank lines skipped."""
    rows = []
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 3)
        if len(parts) < 3 or not parts[0].isdigit() or not parts[1].isdigit():
            raise UsageError(f"Invalid format on line {number} of table ")
        rows.append((int(parts[0]), int(parts[1]), parts[2], parts[3] if len(parts) > 3 else ""))
    return rows


def table_from(ctx: Context, opts: Opts, args: list[str]) -> str:
    """The table text: --table, else stdin (a file argument names a file we cannot read)."""
    if opts.get("table") is not None:
        return opts.get("table") or ""
    if args:
        try:
            with open(args[0], encoding="utf-8") as handle:
                return handle.read()
        except OSError:
            raise UsageError(f"Couldn't open '{args[0]}' for reading") from None
    return ctx.stdin.decode("utf-8", "replace")


# ----------------------------------------------------------------------------- device selection
def selected_names(ctx: Context, opts: Opts, args: list[str]) -> list[str] | None:
    """Device names from args, -u or -j/-m; None means every device."""
    if opts.get("uuid"):
        md = ctx.engine.find_md_by_uuid(opts.get("uuid"))
        return [md.name if md else opts.get("uuid")]
    if opts.get("major") is not None and opts.get("minor") is not None:
        dev = ctx.engine.by_devno(int(opts.get("major")), int(opts.get("minor")))
        return [dev.name if dev is not None and dev.kind == "dm" else f"{opts.get('major')}:{opts.get('minor')}"]
    if args:
        return [a[len("/dev/mapper/") :] if a.startswith("/dev/mapper/") else a for a in args]
    return None


def all_names(ctx: Context) -> list[str]:
    return sorted(ctx.engine.devices)


# ----------------------------------------------------------------------------- subcommands
def do_create(ctx: Context, opts: Opts, args: list[str]):
    if not args:
        return usage_error(ctx, "create")
    name = args[0]
    engine = ctx.engine
    rows = None
    if not opts.has("notable"):
        try:
            rows = parse_table_text(table_from(ctx, opts, args[1:]))
        except UsageError as exc:
            ctx.err(str(exc))
            return command_failed(ctx)
    uuid = opts.get("uuid") or ""
    try:
        md = engine.dev_create(name, uuid)
    except DMError as err:
        ioctl_error(ctx, "create", name, err, uuid=uuid)
        return command_failed(ctx)
    if rows is None:
        return 0
    devno = md.devno
    try:
        engine.table_load(name, rows, opts.has("readonly"))
    except DMError as err:
        ioctl_error(ctx, "reload", name, err, devno=devno, uuid=uuid)
        engine._destroy(md)
        return command_failed(ctx)
    try:
        finished, _ = yield from _drive(engine.dev_resume(name))
    except DMError as err:
        ioctl_error(ctx, "resume", name, err, uuid=uuid)
        engine._destroy(md)
        return command_failed(ctx)
    return 0


def _drive(gen):
    """Run an engine task inline within this command's task."""
    result = yield from gen
    return True, result


def do_load(ctx: Context, opts: Opts, args: list[str]):
    names = selected_names(ctx, opts, args[:1])
    if not names:
        return usage_error(ctx, "load")
    name = names[0]
    try:
        rows = parse_table_text(table_from(ctx, opts, args[1:]))
    except UsageError as exc:
        ctx.err(str(exc))
        return command_failed(ctx)
    try:
        ctx.engine.table_load(name, rows, opts.has("readonly"))
    except DMError as err:
        ioctl_error(ctx, "reload", name, err)
        return command_failed(ctx)
    return 0


def for_each(ctx: Context, opts: Opts, args: list[str], op: str, fn, allow_all: bool = False):
    """Run ``fn(name)`` on each named device; report each failure the way libdm does."""
    names = selected_names(ctx, opts, args)
    if names is None:
        if not allow_all:
            return usage_error(ctx, op)
        names = all_names(ctx)
    status = 0
    for name in names:
        try:
            result = fn(name)
            if hasattr(result, "send"):
                yield from result
        except DMError as err:
            ioctl_error(ctx, op, name, err)
            status = 1
    return command_failed(ctx) if status else 0


def do_suspend(ctx, opts, args):
    noflush = opts.has("noflush")
    return (yield from for_each(ctx, opts, args, "suspend", lambda n: ctx.engine.dev_suspend(n, noflush)))


def do_resume(ctx, opts, args):
    return (yield from for_each(ctx, opts, args, "resume", ctx.engine.dev_resume))


def do_clear(ctx, opts, args):
    return (yield from for_each(ctx, opts, args, "clear", ctx.engine.table_clear))


def do_remove(ctx, opts, args):
    engine = ctx.engine

    def remove(name: str):
        md = engine.find_md(name)
        if md is not None and opts.has("force") and engine.open_count(md):
            yield from wipe(ctx, name)
        engine.dev_remove(name)

    return (yield from for_each(ctx, opts, args, "remove", remove))


def wipe(ctx: Context, name: str):
    """What `--force` does first: swap in an `error` table of the same size, noflush."""
    engine = ctx.engine
    md = engine.get_md(name)
    size = md.size_sectors
    if size:
        engine.table_load(name, [(0, size, "error", "")], md.read_only)
        md.noflush_suspend = True
        yield from engine.dev_resume(name)


def do_remove_all(ctx, opts, args):
    engine = ctx.engine
    # Repeat while progress is made: holders go first, then what they held.
    status, progress = 0, True
    while progress and engine.devices:
        progress = False
        for name in sorted(engine.devices):
            md = engine.devices.get(name)
            if md is None:
                continue
            if engine.open_count(md) and opts.has("force"):
                yield from wipe(ctx, name)
            if not engine.open_count(md):
                engine.dev_remove(name)
                progress = True
    left = len(engine.devices)
    if left:
        ctx.err(f"Unable to remove {left} device(s).")
        status = 1
    return status


def do_rename(ctx, opts, args):
    if opts.has("setuuid"):
        if len(args) != 2:
            return usage_error(ctx, "rename")
        try:
            ctx.engine.dev_rename(args[0], new_uuid=args[1])
        except DMError as err:
            ioctl_error(ctx, "rename", args[0], err)
            return command_failed(ctx)
        return 0
    if len(args) != 2:
        return usage_error(ctx, "rename")
    try:
        ctx.engine.dev_rename(args[0], args[1])
    except DMError as err:
        ioctl_error(ctx, "rename", args[0], err)
        return command_failed(ctx)
    return 0


def do_message(ctx, opts, args):
    names = selected_names(ctx, opts, args[:1])
    if opts.get("uuid") or opts.get("major") is not None:
        rest = args
    else:
        rest = args[1:]
    if not names or len(rest) < 2:
        return usage_error(ctx, "message")
    name = names[0]
    sector_text, words = rest[0], rest[1:]
    if not sector_text.isdigit():
        ctx.err("Invalid sector.")
        return command_failed(ctx)
    message = " ".join(words)
    try:
        reply = ctx.engine.target_message(name, int(sector_text), message.split())
    except DMError as err:
        ioctl_error(ctx, "message", name, err)
        return command_failed(ctx)
    if reply:
        ctx.write(reply if reply.endswith("\n") else reply + "\n")
    return 0


def _status_or_table(ctx, opts, args, status: bool):
    engine = ctx.engine
    names = selected_names(ctx, opts, args)
    listing_all = names is None
    if listing_all:
        names = all_names(ctx)
        if not names:
            ctx.out("No devices found")
            return 0
    prefix = listing_all or len(names) > 1
    target_filter = opts.get("target")
    op = "status" if status else "table"
    failed = 0
    for name in names:
        md = engine.find_md(name)
        if md is None:
            ioctl_error(ctx, op, name, DMError(ENXIO))
            failed = 1
            continue
        if opts.has("verbose"):
            print_info(ctx, md)
        rows = engine.table_lines(md, inactive=opts.has("inactive"), status=status)
        if not rows and not target_filter:
            ctx.out(f"{md.name}: " if prefix else "")
            continue
        for start, length, ttype, params in rows:
            if target_filter and ttype != target_filter:
                continue
            ctx.out(f"{md.name + ': ' if prefix else ''}{start} {length} {ttype} {params}")
    return command_failed(ctx) if failed else 0


def do_status(ctx, opts, args):
    return _status_or_table(ctx, opts, args, True)


def do_table(ctx, opts, args):
    if opts.has("concise"):
        return table_concise(ctx, opts, args)
    return _status_or_table(ctx, opts, args, False)


def table_concise(ctx, opts, args):
    engine = ctx.engine
    names = selected_names(ctx, opts, args) or all_names(ctx)
    parts = []
    for name in names:
        md = engine.find_md(name)
        if md is None:
            continue
        rows = ",".join(f"{s} {n} {t} {p}".rstrip() for s, n, t, p in engine.table_lines(md))
        parts.append(f"{md.name},{md.uuid},{md.minor},{'ro' if md.read_only else 'rw'},{rows}")
    ctx.out(";".join(parts))
    return 0


def print_info(ctx: Context, md, noopencount: bool = False) -> None:
    engine = ctx.engine
    if md.live and md.inactive:
        tables = "LIVE & INACTIVE"
    elif md.live:
        tables = "LIVE"
    elif md.inactive:
        tables = "INACTIVE"
    else:
        tables = "None"
    state = md.state_name() + (" (READ-ONLY)" if md.read_only else "")
    ctx.out(f"Name:              {md.name}")
    ctx.out(f"State:             {state}")
    ctx.out(f"Read Ahead:        {md.read_ahead}")
    ctx.out(f"Tables present:    {tables}")
    if not noopencount:
        ctx.out(f"Open count:        {engine.open_count(md)}")
    ctx.out(f"Event number:      {md.event_nr}")
    ctx.out(f"Major, minor:      {md.major}, {md.minor}")
    ctx.out(f"Number of targets: {len(md.live.targets) if md.live else 0}")
    if md.uuid:
        ctx.out(f"UUID: {md.uuid}")
    ctx.out("")


# dmsetup's report fields: name -> (heading, width, numeric)
INFO_FIELDS: dict[str, tuple[str, int, bool]] = {
    "name": ("Name", 16, False),
    "mangled_name": ("MangledName", 16, False),
    "unmangled_name": ("UnmangledName", 16, False),
    "uuid": ("UUID", 32, False),
    "mangled_uuid": ("MangledUUID", 32, False),
    "unmangled_uuid": ("UnmangledUUID", 32, False),
    "attr": ("Stat", 4, False),
    "tables_loaded": ("Tables", 6, False),
    "suspended": ("Suspended", 9, False),
    "readonly": ("Read-only", 9, False),
    "devno": ("DevNo", 5, False),
    "blkdevname": ("BlkDevName", 16, False),
    "major": ("Maj", 3, True),
    "minor": ("Min", 3, True),
    "open": ("Open", 4, True),
    "segments": ("Targ", 4, True),
    "events": ("Event", 6, True),
    "read_ahead": ("RAhead", 6, True),
}
DEFAULT_INFO_COLUMNS = "name,major,minor,attr,open,segments,events,uuid"


def info_field(ctx: Context, md, key: str) -> str:
    engine = ctx.engine
    if key in ("name", "mangled_name", "unmangled_name"):
        return md.name
    if key in ("uuid", "mangled_uuid", "unmangled_uuid"):
        return md.uuid
    if key == "attr":
        return (
            ("L" if md.live else "-")
            + ("I" if md.inactive else "-")
            + ("s" if md.suspended else "-")
            + ("r" if md.read_only else "w")
        )
    if key == "tables_loaded":
        return {(True, True): "Both", (True, False): "Live", (False, True): "Inactive", (False, False): "None"}[
            (md.live is not None, md.inactive is not None)
        ]
    if key == "suspended":
        return "Suspended" if md.suspended else "Active"
    if key == "readonly":
        return "Read-only" if md.read_only else "Writeable"
    if key == "devno":
        return md.devno
    if key == "blkdevname":
        return md.kernel_name
    if key == "major":
        return str(md.major)
    if key == "minor":
        return str(md.minor)
    if key == "open":
        return str(engine.open_count(md))
    if key == "segments":
        return str(len(md.live.targets) if md.live else 0)
    if key == "events":
        return str(md.event_nr)
    if key == "read_ahead":
        return str(md.read_ahead)
    raise KeyError(key)


def do_info(ctx, opts, args):
    engine = ctx.engine
    names = selected_names(ctx, opts, args)
    if opts.has("columns"):
        return info_columns(ctx, opts, names)
    if names is None:
        names = all_names(ctx)
        if not names:
            ctx.out("No devices found")
            return 0
    failed = 0
    for name in names:
        md = engine.find_md(name)
        if md is None:
            ctx.err("Device does not exist.")
            failed = 1
            continue
        print_info(ctx, md, opts.has("noopencount"))
    return command_failed(ctx) if failed else 0


def info_columns(ctx, opts, names):
    engine = ctx.engine
    spec = opts.get("options") or DEFAULT_INFO_COLUMNS
    if spec.startswith("+"):
        spec = DEFAULT_INFO_COLUMNS + "," + spec[1:]
    keys = []
    for key in spec.split(","):
        key = key.strip().lower()
        if key not in INFO_FIELDS:
            ctx.err(f"Unrecognised field: {key}")
            return command_failed(ctx)
        keys.append(key)
    if names is None:
        mds = [engine.devices[n] for n in all_names(ctx)]
        if not mds:
            ctx.out("No devices found")
            return 0
    else:
        mds = []
        for name in names:
            md = engine.find_md(name)
            if md is None:
                ctx.err("Device does not exist.")
                return command_failed(ctx)
            mds.append(md)
    rows = [[info_field(ctx, md, k) for k in keys] for md in mds]
    sep = opts.get("separator") or " "
    headings = not opts.has("noheadings")
    widths = []
    for i, key in enumerate(keys):
        heading, width, _ = INFO_FIELDS[key]
        widths.append(max([width, len(heading) if headings else 0] + [len(r[i]) for r in rows]))
    aligned = opts.get("separator") is None
    if headings:
        ctx.out(
            sep.join(
                (INFO_FIELDS[k][0].ljust(w) if aligned else INFO_FIELDS[k][0])
                for k, w in zip(keys, widths, strict=True)
            )
        )
    for row in rows:
        cells = []
        for key, value, width in zip(keys, row, widths, strict=True):
            if not aligned:
                cells.append(value)
            elif INFO_FIELDS[key][2]:
                cells.append(value.rjust(width))
            else:
                cells.append(value.ljust(width))
        ctx.out(sep.join(cells))
    return 0


def do_ls(ctx, opts, args):
    engine = ctx.engine
    names = all_names(ctx)
    if opts.get("target"):
        wanted = opts.get("target")
        names = [
            n for n in names if engine.devices[n].live and any(t.name == wanted for t in engine.devices[n].live.targets)
        ]
    if not names:
        ctx.out("No devices found")
        return 0
    options = [o.strip() for o in (opts.get("options") or "").split(",") if o.strip()]
    if opts.has("tree"):
        for line in tree_lines(ctx, names, options):
            ctx.out(line)
        return 0
    for name in names:
        md = engine.devices[name]
        if opts.get("target"):
            ctx.out(f"{name}\t({md.major}, {md.minor})")
        elif "blkdevname" in options:
            ctx.out(f"{name}\t({md.kernel_name})")
        else:
            ctx.out(f"{name}\t({md.major}:{md.minor})")
    return 0


def deps_of(md) -> list:
    """The devices a live table holds, newest first (the kernel prepends to its list)."""
    return list(reversed(md.live.devices())) if md.live else []


def tree_lines(ctx: Context, names: list[str], options: list[str]) -> list[str]:
    engine = ctx.engine
    order: list = []
    children: dict = {}
    parents: dict = {}

    def node(dev):
        if dev not in children:
            order.append(dev)
            children[dev] = []
            parents[dev] = []
        return dev

    for name in names:
        md = node(engine.devices[name])
        for dep in deps_of(md):
            node(dep)
            children[md].append(dep)
            parents[dep].append(md)
    inverted = "inverted" in options
    below = parents if inverted else children
    above = children if inverted else parents
    utf = "utf" in options
    branch, last, bar = ("├─", "└─", "│ ") if utf else ("|-", "`-", "| ")

    def label(dev) -> str:
        text = (dev.name if dev.kind == "dm" else "") + f" ({dev.major}:{dev.minor})"
        if "blkdevname" in options:
            text += f" <{dev.kernel_name if dev.kind == 'dm' else dev.name}>"
        return text

    lines: list[str] = []

    def walk(dev, prefix: str, is_last: bool, depth: int) -> None:
        if depth == 0:
            lines.append(label(dev))
            child_prefix = " "
        else:
            lines.append(prefix + (last if is_last else branch) + label(dev))
            child_prefix = prefix + ("   " if is_last else bar + " ")
        kids = below[dev]
        for i, kid in enumerate(kids):
            walk(kid, child_prefix, i == len(kids) - 1, depth + 1)

    for dev in order:
        if not above[dev]:
            walk(dev, "", True, 0)
    return lines


def do_deps(ctx, opts, args):
    engine = ctx.engine
    names = selected_names(ctx, opts, args)
    listing_all = names is None
    if listing_all:
        names = all_names(ctx)
        if not names:
            ctx.out("No devices found")
            return 0
    style = opts.get("options") or "devno"
    failed = 0
    for name in names:
        md = engine.find_md(name)
        if md is None:
            ioctl_error(ctx, "deps", name, DMError(ENXIO))
            failed = 1
            continue
        deps = deps_of(md)
        parts = []
        for dep in deps:
            if style == "devname":
                parts.append(f" ({dep.name})")
            elif style == "blkdevname":
                parts.append(f" ({dep.kernel_name if dep.kind == 'dm' else dep.name})")
            else:
                parts.append(f" ({dep.major}, {dep.minor})")
        prefix = f"{md.name}: " if listing_all or len(names) > 1 else ""
        ctx.out(f"{prefix}{len(deps)} dependencies\t:{''.join(parts)}")
    return command_failed(ctx) if failed else 0


# The order the oracle kernel lists its target types in (most recently registered first).
KERNEL_TARGET_ORDER = [
    "ebs",
    "clone",
    "unstriped",
    "log-writes",
    "switch",
    "multipath",
    "verity",
    "integrity",
    "crypt",
    "era",
    "zero",
    "delay",
    "dust",
    "flakey",
    "writecache",
    "writeboost",
    "cache",
    "raid",
    "mirror",
    "snapshot-merge",
    "snapshot-origin",
    "snapshot",
    "thin-pool",
    "thin",
    "striped",
    "linear",
    "error",
]


def do_targets(ctx, opts, args):
    names = sorted(TARGET_TYPES, key=lambda n: (KERNEL_TARGET_ORDER.index(n) if n in KERNEL_TARGET_ORDER else -1, n))
    for name in names:
        major, minor, patch = TARGET_TYPES[name].version
        ctx.out(f"{name:<16} v{major}.{minor}.{patch}")
    return 0


def do_version(ctx, opts, args):
    ctx.out(f"Library version:   {LIBRARY_VERSION}")
    ctx.out("Driver version:    {}.{}.{}".format(*DRIVER_VERSION))
    return 0


def do_wait(ctx, opts, args):
    names = selected_names(ctx, opts, args[:1])
    if not names:
        return usage_error(ctx, "wait")
    name = names[0]
    rest = args[1:] if not (opts.get("uuid") or opts.get("major")) else args
    engine = ctx.engine
    md = engine.find_md(name)
    if md is None:
        ioctl_error(ctx, "waitevent", name, DMError(ENXIO))
        return command_failed(ctx)
    # Without a number dmsetup waits on event 0: it returns at once once anything happened.
    event_nr = int(rest[0]) if rest and rest[0].isdigit() else 0
    try:
        yield from engine.dev_wait(name, event_nr)
    except DMError as err:
        ioctl_error(ctx, "waitevent", name, err)
        return command_failed(ctx)
    if opts.has("verbose"):
        print_info(ctx, md)
    return 0


def do_mknodes(ctx, opts, args):
    return 0


def do_help(ctx, opts, args):
    ctx.out("Usage:")
    ctx.out("")
    ctx.out("dmsetup")
    for sub in SUBCOMMANDS.values():
        ctx.out(f"        {sub.usage}")
    return 0


@dataclass(frozen=True)
class Sub:
    name: str
    usage: str
    min_args: int
    max_args: int  # -1: any
    fn: object
    summary: str
    args: tuple[Arg, ...] = ()
    destructive: bool = False
    palette: bool = False
    all_when_empty: bool = False


_DEV = Arg("device", "mapped device name", DEVICE)
SUBCOMMANDS: dict[str, Sub] = {
    s.name: s
    for s in [
        Sub(
            "create",
            "create <dev_name> [-j|--major <major> -m|--minor <minor>] [-U|--uid <uid>] [-G|--gid <gid>] "
            "[-M|--mode <octal_mode>] [-u|--uuid <uuid>] [--notable | --table <table> | <table_file>]",
            1,
            2,
            do_create,
            "Create a mapped device and load its table",
            (Arg("name", "new device name"), Arg("table", "table line(s)", TABLE)),
            palette=True,
        ),
        Sub(
            "remove",
            "remove [--deferred] [-f|--force] [--retry] <device>...",
            0,
            -1,
            do_remove,
            "Remove a mapped device",
            (_DEV,),
            destructive=True,
            palette=True,
        ),
        Sub(
            "remove_all",
            "remove_all [-f|--force] [--deferred]",
            0,
            0,
            do_remove_all,
            "Remove every mapped device that is not open",
            destructive=True,
        ),
        Sub(
            "suspend",
            "suspend [--noflush] [--nolockfs] <device>...",
            0,
            -1,
            do_suspend,
            "Suspend a device: hold new I/O until resume",
            (_DEV,),
            palette=True,
        ),
        Sub(
            "resume",
            "resume [--noflush] [--nolockfs] <device>...",
            0,
            -1,
            do_resume,
            "Resume a device, swapping in its inactive table",
            (_DEV,),
            palette=True,
        ),
        Sub(
            "load",
            "load <device> [<table>|<table_file>]",
            0,
            2,
            do_load,
            "Load a table into the inactive slot",
            (_DEV, Arg("table", "table line(s)", TABLE)),
            palette=True,
        ),
        Sub(
            "reload",
            "reload <device> [<table>|<table_file>]",
            0,
            2,
            do_load,
            "Load a table into the inactive slot (resize, retarget)",
            (_DEV, Arg("table", "table line(s)", TABLE)),
            palette=True,
        ),
        Sub("clear", "clear <device>", 0, 1, do_clear, "Drop the inactive table", (_DEV,), palette=True),
        Sub(
            "rename",
            "rename <device> [--setuuid] <new_name_or_uuid>",
            1,
            2,
            do_rename,
            "Rename a device",
            (_DEV, Arg("new_name", "new name")),
            palette=True,
        ),
        Sub(
            "message",
            "message <device> <sector> <message>",
            2,
            -1,
            do_message,
            "Send a message to a target",
            (_DEV, Arg("sector", "sector (0 for a one-target table)"), Arg("message", "message words", MESSAGE)),
            palette=True,
        ),
        Sub(
            "status",
            "status [<device>...] [--noflush] [--target <target_type>]",
            0,
            -1,
            do_status,
            "Show each target's status line",
            (_DEV,),
            all_when_empty=True,
        ),
        Sub(
            "table",
            "table [<device>...] [--concise] [--target <target_type>] [--showkeys]",
            0,
            -1,
            do_table,
            "Show the table",
            (_DEV,),
            all_when_empty=True,
        ),
        Sub("info", "info [<device>...]", 0, -1, do_info, "Show device information", (_DEV,), all_when_empty=True),
        Sub(
            "ls",
            "ls [--target <target_type>] [--exec <command>] [-o <options>] [--tree]",
            0,
            0,
            do_ls,
            "List mapped devices",
            (Arg("--target", "target type", TARGET_TYPE, optional=True),),
        ),
        Sub(
            "deps",
            "deps [-o <options>] [<device>...]",
            0,
            -1,
            do_deps,
            "Show the devices a table uses",
            (_DEV,),
            all_when_empty=True,
        ),
        Sub("targets", "targets", 0, 0, do_targets, "List the target types and their versions"),
        Sub("version", "version", 0, 0, do_version, "Show library and driver versions"),
        Sub(
            "wait",
            "wait [--noflush] <device> [<event_nr>]",
            0,
            2,
            do_wait,
            "Wait for the device's next event",
            (_DEV, Arg("event_nr", "event number", optional=True)),
        ),
        Sub("mknodes", "mknodes [<device>...]", 0, -1, do_mknodes, "Make /dev/mapper nodes (nothing to do here)"),
        Sub("help", "help [-c|-C|--columns]", 0, 0, do_help, "Show dmsetup usage"),
    ]
}


def usage_error(ctx: Context, sub: str) -> int:
    ctx.err("Incorrect number of arguments")
    ctx.err(f"Usage: dmsetup {SUBCOMMANDS[sub].usage}")
    return 1


def run_dmsetup(ctx: Context, argv: list[str]):
    """Entry point for `dmsetup ARGS...`."""
    try:
        opts, rest = parse_options(argv)
    except UsageError as exc:
        ctx.err(str(exc))
        return 1
    if opts.has("version") and not rest:
        return do_version(ctx, opts, [])
    if not rest:
        ctx.err("Please specify a command.")
        return 1
    sub = SUBCOMMANDS.get(rest[0])
    if sub is None:
        ctx.err(f"Unknown command: {rest[0]}")
        return 1
    args = rest[1:]
    needs_device = (
        sub.min_args == 0
        and sub.max_args != 0
        and not sub.all_when_empty
        and sub.name not in ("remove", "suspend", "resume")
        and not (opts.get("uuid") or opts.get("major"))
    )
    if len(args) < sub.min_args or (sub.max_args >= 0 and len(args) > sub.max_args) or (needs_device and not args):
        return usage_error(ctx, sub.name)
    if sub.name in ("remove", "suspend", "resume") and not args and not (opts.get("uuid") or opts.get("major")):
        return usage_error(ctx, sub.name)
    result = sub.fn(ctx, opts, args)
    if hasattr(result, "send"):
        result = yield from result
    return result


def _register() -> None:
    def make(sub: Sub):
        def handler(ctx: Context, argv: list[str]):
            return run_dmsetup(ctx, [sub.name] + argv)

        return handler

    command("dmsetup", "Device-mapper control (dmsetup)", "dmsetup [options] <command> [args]")(run_dmsetup)
    for sub in SUBCOMMANDS.values():
        command(
            f"dmsetup {sub.name}",
            sub.summary,
            f"dmsetup {sub.usage}",
            args=sub.args,
            destructive=sub.destructive,
            palette=sub.palette,
        )(make(sub))


_register()
