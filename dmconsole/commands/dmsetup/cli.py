"""dmsetup's command line: getopt_long as glibc does it, the switch checks, and the usage text (1.02.185)."""

from __future__ import annotations

from dataclasses import dataclass, field

# Long options: name -> (short letter or "", takes an argument). 1.02.185 has no --headings.
OPTIONS: dict[str, tuple[str, bool]] = {
    "addnodeoncreate": ("", False),
    "addnodeonresume": ("", False),
    "alias": ("", True),
    "alldevices": ("", False),
    "allprograms": ("", False),
    "allregions": ("", False),
    "area": ("", False),
    "areas": ("", True),
    "areasize": ("", True),
    "bounds": ("", True),
    "checks": ("", False),
    "clear": ("", False),
    "columns": ("c", False),
    "concise": ("", False),
    "count": ("", True),
    "deferred": ("", False),
    "exec": ("", True),
    "filemap": ("", False),
    "follow": ("", True),
    "force": ("f", False),
    "foreground": ("", False),
    "gid": ("G", True),
    "group": ("", False),
    "groupid": ("", True),
    "help": ("h", False),
    "histogram": ("", False),
    "inactive": ("", False),
    "interval": ("", True),
    "length": ("", True),
    "major": ("j", True),
    "manglename": ("", True),
    "minor": ("m", True),
    "mode": ("M", True),
    "nameprefixes": ("", False),
    "noflush": ("", False),
    "nogroup": ("", False),
    "noheadings": ("", False),
    "nolockfs": ("", False),
    "nomonitor": ("", False),
    "noopencount": ("", False),
    "nosuffix": ("", False),
    "notable": ("n", False),
    "notimesuffix": ("", False),
    "noudevrules": ("", False),
    "noudevsync": ("", False),
    "options": ("o", True),
    "precise": ("", False),
    "programid": ("", True),
    "raw": ("", False),
    "readahead": ("", True),
    "readonly": ("r", False),
    "region": ("", False),
    "regionid": ("", True),
    "regions": ("", True),
    "relative": ("", False),
    "retry": ("", False),
    "rows": ("", False),
    "segments": ("", False),
    "select": ("S", True),
    "separator": ("", True),
    "setuuid": ("", False),
    "showkeys": ("", False),
    "sort": ("O", True),
    "start": ("", True),
    "table": ("", True),
    "target": ("", True),
    "tree": ("", False),
    "udevcookie": ("", True),
    "uid": ("U", True),
    "unbuffered": ("", False),
    "units": ("", True),
    "unquoted": ("", False),
    "userdata": ("", True),
    "uuid": ("u", True),
    "verbose": ("v", False),
    "verifyudev": ("", False),
    "version": ("", False),
    "yes": ("y", False),
}
SHORT = {short: name for name, (short, _) in OPTIONS.items() if short}
SHORT["C"] = "columns"

READ_AHEAD_AUTO = -2  # DM_READ_AHEAD_AUTO: leave the kernel's value
READ_AHEAD_NONE = 0


class UsageError(Exception):
    """A command line dmsetup refuses before running anything (getopt or a switch check)."""


@dataclass
class Opts:
    """The switches given: counts for flags, the last value for options that take one."""

    values: dict[str, str] = field(default_factory=dict)
    flags: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # said while reading the switches, which go on

    def has(self, name: str) -> bool:
        return name in self.flags or name in self.values

    def count(self, name: str) -> int:
        return self.flags.get(name, 0)

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.values.get(name, default)


def c_atoi(text: str) -> int:
    """C's atoi(): leading blanks, an optional sign, then as many digits as there are (0 if none)."""
    text = text.lstrip(" \t\n\v\f\r")
    sign, digits = 1, ""
    if text and text[0] in "+-":
        sign, text = (-1 if text[0] == "-" else 1), text[1:]
    for ch in text:
        if not ch.isdigit() or not ch.isascii():
            break
        digits += ch
    value = sign * int(digits) if digits else 0
    return (value + 2**31) % 2**32 - 2**31  # int wraps as glibc's does on overflow of the cast


def _match_long(word: str) -> str:
    """The long option an (abbreviated) `--name[=value]` stands for, or getopt's complaint."""
    name = word[2:].partition("=")[0]
    if name in OPTIONS:
        return name
    matches = [n for n in OPTIONS if n.startswith(name)]
    if not matches:
        raise UsageError(f"dmsetup: unrecognized option '{word}'")
    if len(matches) > 1:
        choices = " ".join(f"'--{n}'" for n in matches)
        raise UsageError(f"dmsetup: option '{word}' is ambiguous; possibilities: {choices}")
    return matches[0]


def _take_long(opts: Opts, argv: list[str], i: int) -> int:
    _, eq, value = argv[i][2:].partition("=")
    name = _match_long(argv[i])
    if not OPTIONS[name][1]:
        if eq:
            raise UsageError(f"dmsetup: option '--{name}' doesn't allow an argument")
        opts.flags[name] = opts.flags.get(name, 0) + 1
        return i
    if not eq:
        i += 1
        if i >= len(argv):
            raise UsageError(f"dmsetup: option '--{name}' requires an argument")
        value = argv[i]
    opts.values[name] = value
    return i


def _take_short(opts: Opts, argv: list[str], i: int) -> int:
    word = argv[i]
    for j in range(1, len(word)):
        name = SHORT.get(word[j])
        if name is None:
            raise UsageError(f"dmsetup: invalid option -- '{word[j]}'")
        if not OPTIONS[name][1]:
            opts.flags[name] = opts.flags.get(name, 0) + 1
            continue
        value = word[j + 1 :]
        if not value:
            i += 1
            if i >= len(argv):
                raise UsageError(f"dmsetup: option requires an argument -- '{word[j]}'")
            value = argv[i]
        opts.values[name] = value
        break
    return i


def parse_options(argv: list[str]) -> tuple[Opts, list[str]]:
    """getopt_long with permutation: options anywhere, `--` ends them, a lone `-` is an argument."""
    opts, rest = Opts(), []
    i = 0
    while i < len(argv):
        word = argv[i]
        if word == "--":
            rest.extend(argv[i + 1 :])
            break
        if word.startswith("--"):
            i = _take_long(opts, argv, i)
        elif word.startswith("-") and len(word) > 1:
            i = _take_short(opts, argv, i)
        else:
            rest.append(word)
        i += 1
    if opts.has("udevcookie") and cookie_value(opts.get("udevcookie") or "") is None:
        opts.warnings.append("Incorrect cookie value.")
    try:
        check_switches(opts)
    except UsageError as exc:
        exc.warnings = opts.warnings  # type: ignore[attr-defined]
        raise
    return opts, rest


def cookie_value(text: str) -> int | None:
    """_get_cookie_value(): strtoul(text, 0) of the whole text, non-zero and within 32 bits."""
    body = text.lstrip(" \t\n\v\f\r")
    negative = body.startswith("-")
    body = body[1:] if body[:1] in "+-" else body
    base = 16 if body[:2].lower() == "0x" else 8 if body.startswith("0") and len(body) > 1 else 10
    digits = body[2:] if base == 16 else body
    try:
        value = int(digits, base) if digits and digits.isascii() and digits.isalnum() else None
    except ValueError:
        value = None
    if value is None or negative or not value or value > 0xFFFFFFFF:
        return None
    return value


def check_switches(opts: Opts) -> None:
    """The checks _process_switches() makes on the values given."""
    _check_values(opts)
    if opts.has("major") != opts.has("minor"):
        raise UsageError("Please specify both major number and minor number.")
    if opts.has("table") and opts.has("notable"):
        raise UsageError("--table and --notable are incompatible.")
    if opts.has("addnodeoncreate") and opts.has("addnodeonresume"):
        raise UsageError("--addnodeonresume and --addnodeoncreate are incompatible.")


def _check_values(opts: Opts) -> None:
    if opts.has("count") and c_atoi(opts.get("count") or "") < 0:
        raise UsageError("Count must be zero or greater.")
    if opts.has("interval") and c_atoi(opts.get("interval") or "") <= 0:
        raise UsageError("Interval must be a positive integer.")
    mangle = opts.get("manglename")
    if mangle is not None and mangle.lower() not in ("none", "auto", "hex"):
        raise UsageError("Unknown name mangling mode.")
    mode = opts.get("mode")
    if mode is not None and parse_mode(mode) is None:
        raise UsageError(f"Invalid argument for --mode: {mode}. ")
    if opts.has("readahead"):
        read_ahead_switch(opts)


def units_factor(text: str) -> float:
    """dm_units_to_factor(text, strict=0): an optional number, then a unit letter; 0 if no unit is recognised."""
    number, rest = 1.0, text
    digits = len(text) - len(text.lstrip("0123456789"))
    if digits:
        end = digits
        if text[end : end + 1] == ".":
            end += 1 + len(text[end + 1 :]) - len(text[end + 1 :].lstrip("0123456789"))
        number, rest = float(text[:end]), text[end:]
    unit = rest[:1]
    if unit and unit in "hHrR":
        return 1
    factor = {"b": 1, "B": 1, "s": 512, "S": 512}.get(unit)
    if unit and unit in "kmgtpe":
        factor = 1024 ** ("kmgtpe".index(unit) + 1)
    elif unit and unit in "KMGTPE":
        factor = 1000 ** ("KMGTPE".index(unit) + 1)
    return number * factor if factor else 0


def parse_mode(text: str) -> int | None:
    """strtol(text, 8) that must use the whole text and give a non-zero mode."""
    body = text.lstrip(" \t\n\v\f\r")
    if body[:1] in "+-":
        body = body[1:]
    if not body or any(ch not in "01234567" for ch in body):
        return None
    value = int(text.strip(), 8)
    return value or None


def read_ahead_switch(opts: Opts) -> tuple[int, bool]:
    """--readahead: (sectors, only-raise-to-this-minimum); READ_AHEAD_AUTO leaves the kernel's value."""
    text = opts.get("readahead") or ""
    if text.lower() == "auto":
        return READ_AHEAD_AUTO, False
    if text.lower() == "none":
        return READ_AHEAD_NONE, False
    value = c_atoi(text)
    if value < -1:
        raise UsageError(f"Negative read ahead value ({value}) is not understood.")
    return value, text.lstrip(" \t\n\v\f\r").startswith("+")


# The usage text: a header, then "\t<command> <help>" for each command (in the command table), then a footer.
USAGE_HEADER = """Usage:

dmsetup
        [--version] [-h|--help [-c|-C|--columns]]
        [-v|--verbose [-v|--verbose ...]] [-f|--force]
        [--checks] [--manglename {none|hex|auto}]
        [-r|--readonly] [--noopencount] [--noflush] [--nolockfs] [--inactive]
        [--udevcookie <cookie>] [--noudevrules] [--noudevsync] [--verifyudev]
        [-y|--yes] [--readahead {[+]<sectors>|auto|none}] [--retry]
        [-c|-C|--columns] [-o <fields>] [-O|--sort <sort_fields>]
        [-S|--select <selection>] [--nameprefixes] [--noheadings]
        [--separator <separator>]

"""
USAGE_FOOTER = """
<device> may be device name or (if only one) -u <uuid> or -j <major> -m <minor>
<mangling_mode> is one of 'none', 'auto' and 'hex'.
<fields> are comma-separated.  Use 'help -c' for list.
<concise_device_specification> has single-device entries separated by semi-colons:
    <name>,<uuid>,<minor>,<flags>,<table>
        where <flags> is 'ro' or 'rw' (the default) and any of <uuid>, <minor>
        and <flags> may be empty. Separate extra table lines with commas.
    E.g.: dev1,,,,0 100 linear 253:1 0,100 100 error;dev2,,,ro,0 1 error
Table_file contents may be supplied on stdin.
Options are: devno, devname, blkdevname.
Tree specific options are: ascii, utf, vt100; compact, inverted, notrunc;
                           blkdevname, [no]device, active, open, rw and uuid.

"""


def usage_text(commands: list[tuple[str, str]]) -> str:
    """_dmsetup_usage(): the whole text, from (name, help) of every command."""
    return USAGE_HEADER + "".join(f"\t{name} {help_text}\n" for name, help_text in commands) + USAGE_FOOTER
