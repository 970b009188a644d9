"""`dd`: GNU coreutils 9.1 dd as scripts use it on block devices.

Every read and write of a block device is real I/O in the lab: dd's system calls go to
the engine's device files (``engine/block/fops.py``, the kernel's block-device file
operations and page-cache rules), which submit bios and sleep until they complete on
the lab clock. A suspended device, a delay target or a full thin-pool therefore hold
dd exactly where the kernel would hold it, and the device stays open (``dmsetup
remove`` says EBUSY) while dd runs.

The algorithm follows coreutils' dd.c (scanargs, skip, dd_copy, iread/iwrite,
print_stats). Output of the statistics line, the records lines and every message is
GNU dd 9.1's, byte for byte; the elapsed time and rate come from the lab clock.

Not modelled: regular files (of= a path that is not a device fails with ENOENT
where GNU dd would create a file), conv=ascii/ebcdic/ibm/block/unblock, and
signals (``kill -USR1``).
"""

from __future__ import annotations

from fractions import Fraction

from ...engine.block.fops import BlockFile, CharFile, DeviceFile
from ...engine.core.errno import EBADF, EINVAL, ENOSPC, EOVERFLOW, ESPIPE, DMError
from ...engine.core.errno import strerror as _strerror
from ..context import Context
from ..registry import BLOCKDEV, Arg, command

INTMAX_MAX = 2**63 - 1
UINTMAX_MAX = 2**64 - 1
PIPE_BUF_SIZE = 65536  # what one read() of a pipe returns at most (the pipe's capacity)
MAX_BUFFER = 256 * 1024 * 1024  # the lab refuses bigger dd buffers (memory), as dd would on a small machine
NS = 1_000_000_000  # XTIME_PRECISION

STATUS_NONE, STATUS_NOXFER, STATUS_DEFAULT, STATUS_PROGRESS = 1, 2, 3, 4
_STATUS_LEVELS = {"none": STATUS_NONE, "noxfer": STATUS_NOXFER, "progress": STATUS_PROGRESS}

# iflag=/oflag= symbols accepted by GNU dd on Linux (cio, nolinks, text and binary are 0 there: invalid).
_FLAGS = ("append", "direct", "directory", "dsync", "noatime", "nocache", "noctty", "nofollow", "nonblock",
          "sync", "fullblock", "count_bytes", "skip_bytes", "seek_bytes")
_CONVERSIONS = ("ascii", "ebcdic", "ibm", "block", "unblock", "lcase", "ucase", "sparse", "swab", "noerror",
                "nocreat", "excl", "notrunc", "sync", "fdatasync", "fsync")
_TWOBUFS_CONVERSIONS = {"ascii", "ebcdic", "ibm", "block", "unblock", "lcase", "ucase", "swab"}
_UNSUPPORTED_CONVERSIONS = ("ascii", "ebcdic", "ibm", "block", "unblock")

TRY_HELP = "Try 'dd --help' for more information."

VERSION_TEXT = """\
dd (coreutils) 9.1
Copyright (C) 2022 Free Software Foundation, Inc.
License GPLv3+: GNU GPL version 3 or later <https://gnu.org/licenses/gpl.html>.
This is free software: you are free to change and redistribute it.
There is NO WARRANTY, to the extent permitted by law.

Written by Paul Rubin, David MacKenzie, and Stuart Kemp.
"""

# `dd --help` of coreutils 9.1 (Debian 12), C locale.
HELP_TEXT = """\
Usage: dd [OPERAND]...
  or:  dd OPTION
Copy a file, converting and formatting according to the operands.

  bs=BYTES        read and write up to BYTES bytes at a time (default: 512);
                  overrides ibs and obs
  cbs=BYTES       convert BYTES bytes at a time
  conv=CONVS      convert the file as per the comma separated symbol list
  count=N         copy only N input blocks
  ibs=BYTES       read up to BYTES bytes at a time (default: 512)
  if=FILE         read from FILE instead of stdin
  iflag=FLAGS     read as per the comma separated symbol list
  obs=BYTES       write BYTES bytes at a time (default: 512)
  of=FILE         write to FILE instead of stdout
  oflag=FLAGS     write as per the comma separated symbol list
  seek=N          (or oseek=N) skip N obs-sized output blocks
  skip=N          (or iseek=N) skip N ibs-sized input blocks
  status=LEVEL    The LEVEL of information to print to stderr;
                  'none' suppresses everything but error messages,
                  'noxfer' suppresses the final transfer statistics,
                  'progress' shows periodic transfer statistics

N and BYTES may be followed by the following multiplicative suffixes:
c=1, w=2, b=512, kB=1000, K=1024, MB=1000*1000, M=1024*1024, xM=M,
GB=1000*1000*1000, G=1024*1024*1024, and so on for T, P, E, Z, Y.
Binary prefixes can be used, too: KiB=K, MiB=M, and so on.
If N ends in 'B', it counts bytes not blocks.

Each CONV symbol may be:

  ascii     from EBCDIC to ASCII
  ebcdic    from ASCII to EBCDIC
  ibm       from ASCII to alternate EBCDIC
  block     pad newline-terminated records with spaces to cbs-size
  unblock   replace trailing spaces in cbs-size records with newline
  lcase     change upper case to lower case
  ucase     change lower case to upper case
  sparse    try to seek rather than write all-NUL output blocks
  swab      swap every pair of input bytes
  sync      pad every input block with NULs to ibs-size; when used
            with block or unblock, pad with spaces rather than NULs
  excl      fail if the output file already exists
  nocreat   do not create the output file
  notrunc   do not truncate the output file
  noerror   continue after read errors
  fdatasync  physically write output file data before finishing
  fsync     likewise, but also write metadata

Each FLAG symbol may be:

  append    append mode (makes sense only for output; conv=notrunc suggested)
  direct    use direct I/O for data
  directory  fail unless a directory
  dsync     use synchronized I/O for data
  sync      likewise, but also for metadata
  fullblock  accumulate full blocks of input (iflag only)
  nonblock  use non-blocking I/O
  noatime   do not update access time
  nocache   Request to drop cache.  See also oflag=sync
  noctty    do not assign controlling terminal from file
  nofollow  do not follow symlinks

Sending a USR1 signal to a running 'dd' process makes it
print I/O statistics to standard error and then resume copying.

Options are:

      --help        display this help and exit
      --version     output version information and exit

GNU coreutils online help: <https://www.gnu.org/software/coreutils/>
Report any translation bugs to <https://translationproject.org/team/>
Full documentation <https://www.gnu.org/software/coreutils/dd>
or available locally via: info '(coreutils) dd invocation'
"""


# ============================================================================ quoting (gnulib quotearg, C locale)
_SHELL_SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./=,+@%^-")


def quote(text: str) -> str:
    """quote(): locale quoting, which is '...' in the C locale."""
    out = []
    for ch in text:
        if ch in "'\\":
            out.append("\\" + ch)
        elif ch.isprintable():
            out.append(ch)
        else:
            out.append("\\%03o" % (ord(ch) & 0xFF))
    return "'" + "".join(out) + "'"


def quoteaf(text: str) -> str:
    """quoteaf(): shell-escape-always quoting, as dd's "error reading %s" uses."""
    return "'" + text.replace("'", "'\\''") + "'"


def quotef(text: str) -> str:
    """quotef(): shell-escape quoting with ':' quoted too, only when needed."""
    if text and all(ch in _SHELL_SAFE for ch in text):
        return text
    return quoteaf(text)


# ============================================================================ numbers (xstrtoumax + dd's parse_integer)
LONGINT_OK, LONGINT_OVERFLOW, LONGINT_INVALID_SUFFIX_CHAR, LONGINT_INVALID = 0, 1, 2, 4
_DD_SUFFIXES = "bcEGkKMPTwYZ"  # plus the '0' flag: an optional B (powers of 1000) or iB after a power letter
_POWERS = {"k": 1, "K": 1, "M": 2, "G": 3, "T": 4, "P": 5, "E": 6, "Z": 7, "Y": 8}
_C_SPACE = " \t\n\v\f\r"


def _xstrtoumax(text: str, start: int) -> tuple[int, int, int]:
    """gnulib xstrtoumax(base 10, suffixes "bcEGkKMPTwYZ0"): (error bits, value, end index)."""
    i = start
    while i < len(text) and text[i] in _C_SPACE:
        i += 1
    if i < len(text) and text[i] == "-":
        return LONGINT_INVALID, 0, start
    j = i + 1 if i < len(text) and text[i] == "+" else i
    k = j
    while k < len(text) and text[k].isdigit() and text[k].isascii():
        k += 1
    err = LONGINT_OK
    if k == j:  # no digits: strtoumax leaves the end at the very start
        if start < len(text) and text[start] in _DD_SUFFIXES:
            value, k = 1, start
        else:
            return LONGINT_INVALID, 0, start
    else:
        value = int(text[j:k])
        if value > UINTMAX_MAX:
            value, err = UINTMAX_MAX, LONGINT_OVERFLOW
    if k == len(text):
        return err, value, k
    ch = text[k]
    if ch not in _DD_SUFFIXES:
        return err | LONGINT_INVALID_SUFFIX_CHAR, value, k
    base, length = 1024, 1
    if ch in _POWERS:
        nxt = text[k + 1 : k + 2]
        if nxt == "i" and text[k + 2 : k + 3] == "B":
            length = 3
        elif nxt in ("B", "D"):
            base, length = 1000, 2
    scale = {"b": 512, "c": 1, "w": 2}.get(ch) or base ** _POWERS[ch]
    value *= scale
    if value > UINTMAX_MAX:
        value, err = UINTMAX_MAX, err | LONGINT_OVERFLOW
    k += length
    if k < len(text):
        err |= LONGINT_INVALID_SUFFIX_CHAR
    return err, value, k


def parse_integer(text: str, warn) -> tuple[int, int]:
    """dd's parse_integer(): a trailing B is accepted, and one `x` product. (error bits, value)."""
    err, value, end = _xstrtoumax(text, 0)
    if (err & ~LONGINT_OVERFLOW) == LONGINT_INVALID_SUFFIX_CHAR and text[end] == "B" and end > 0 \
            and text[end - 1] != "B":
        end += 1
        if end == len(text):
            err &= LONGINT_OVERFLOW
    if (err & ~LONGINT_OVERFLOW) == LONGINT_INVALID_SUFFIX_CHAR and end < len(text) and text[end] == "x" \
            and not (text[end - 1] == "B" and "B" in text[end + 1 :]):
        f, other, _ = _xstrtoumax(text, end + 1)
        if (f & ~LONGINT_OVERFLOW) != LONGINT_OK:
            return f, 0
        result = value * other
        if result > INTMAX_MAX or (result != 0 and (err | f) & LONGINT_OVERFLOW):
            return LONGINT_OVERFLOW, INTMAX_MAX
        if result == 0 and text.startswith("0x"):
            warn("warning: '0x' is a zero multiplier; use '00x' if that is intended")
        return LONGINT_OK, result
    if value <= INTMAX_MAX:
        return err, value
    return LONGINT_OVERFLOW, INTMAX_MAX


# ============================================================================ human-readable sizes (gnulib human.c)
def _printf_fixed(value: Fraction, digits: int) -> str:
    """printf("%.*Lf") of a non-negative exact value: round half to even."""
    scaled = value * 10**digits
    whole = int(scaled)
    rest = scaled - whole
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and whole % 2):
        whole += 1
    text = str(whole)
    if digits:
        text = text.rjust(digits + 1, "0")
        text = text[:-digits] + "." + text[-digits:]
    return text


def human_readable(n: int, base_1024: bool, from_block: int = 1, to_block: int = 1) -> str:
    """human_readable(n, human_autoscale | human_round_to_nearest | human_space_before_unit | human_SI | human_B
    [| human_base_1024], from_block, to_block), as dd's statistics line uses it."""
    base = 1024 if base_1024 else 1000
    exponent_max = 8
    exponent = -1
    integer = None
    if to_block <= from_block:
        if from_block % to_block == 0:
            amt, tenths, rounding = n * (from_block // to_block), 0, 0
            integer = True
    elif to_block % from_block == 0:
        divisor = to_block // from_block
        r10 = (n % divisor) * 10
        r2 = (r10 % divisor) * 2
        amt, tenths = n // divisor, r10 // divisor
        rounding = (1 if r2 else 0) if r2 < divisor else 2 + (divisor < r2)
        integer = True
    if not integer:
        damt = Fraction(n) * Fraction(from_block, to_block)
        e = 1
        exponent = 0
        while True:
            e *= base
            exponent += 1
            if not (e * base <= damt and exponent < exponent_max):
                break
        damt /= e
        text = _printf_fixed(damt, 1)
        if 1 + 2 + (not base_1024) < len(text):
            text = _printf_fixed(damt, 0)
        return _si_suffix(text, exponent, base_1024)
    exponent = 0
    point = ""
    if base <= amt:
        while True:
            r10 = (amt % base) * 10 + tenths
            r2 = (r10 % base) * 2 + (rounding >> 1)
            amt //= base
            tenths = r10 // base
            rounding = (1 if (r2 + rounding) != 0 else 0) if r2 < base else 2 + (base < r2 + rounding)
            exponent += 1
            if not (base <= amt and exponent < exponent_max):
                break
        if amt < 10:
            if 2 < rounding + (tenths & 1):
                tenths += 1
                rounding = 0
                if tenths == 10:
                    amt += 1
                    tenths = 0
            if amt < 10:
                point = "." + str(tenths)
                tenths = rounding = 0
    if 5 < tenths + (0 < rounding + (amt & 1)):
        amt += 1
        if amt == base and exponent < exponent_max:
            exponent += 1
            point = ".0"
            amt = 1
    return _si_suffix(str(amt) + point, exponent, base_1024)


def _si_suffix(number: str, exponent: int, base_1024: bool) -> str:
    letters = "KMGTPEZY"
    suffix = " "
    if exponent:
        suffix += "k" if (not base_1024 and exponent == 1) else letters[exponent - 1]
        if base_1024:
            suffix += "i"
    return number + suffix + "B"


def xfer_stats(w_bytes: int, delta_ns: int, progress: bool) -> str:
    """The line of print_xfer_stats(), without its leading \\r or trailing newline."""
    si = human_readable(w_bytes, False)
    iec = human_readable(w_bytes, True)
    if delta_ns > 0:
        delta_s = delta_ns / NS
        rate = human_readable(w_bytes, False, NS, delta_ns) + "/s"
    else:
        delta_s = 0.0
        rate = "Infinity B/s"
    seconds = ("%.0f s" if progress else "%g s") % delta_s
    if si[-2] == " ":  # no prefix: a plain byte count
        return f"{w_bytes} byte{'' if w_bytes == 1 else 's'} copied, {seconds}, {rate}"
    if iec[-2] == " ":
        return f"{w_bytes} bytes ({si}) copied, {seconds}, {rate}"
    return f"{w_bytes} bytes ({si}, {iec}) copied, {seconds}, {rate}"


# ============================================================================ what dd reads and writes
class _Abort(Exception):
    """die(): end at once with this status, printing no statistics."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


class _Quit(Exception):
    """quit(): synchronize, print the statistics and end with this status."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


class _Pipe(DeviceFile):
    """Standard input: the bytes the pipeline fed dd; a read returns at most a pipe's worth."""

    seekable = seek_end = False

    def __init__(self, name: str, data: bytes):
        super().__init__(name)
        self.data = data
        self.pos = 0

    def lseek(self, offset: int) -> int:
        return -ESPIPE

    def read(self, size: int):
        chunk = self.data[self.pos : self.pos + min(size, PIPE_BUF_SIZE)]
        self.pos += len(chunk)
        return len(chunk), chunk
        yield  # pragma: no cover


class _Stdout(DeviceFile):
    seekable = seek_end = False

    def __init__(self, name: str, ctx: Context):
        super().__init__(name)
        self.ctx = ctx

    def lseek(self, offset: int) -> int:
        return -ESPIPE

    def write(self, data: bytes):
        self.ctx.write(bytes(data))
        return len(data)
        yield  # pragma: no cover


# ============================================================================ dd itself
class _DD:
    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.engine = ctx.engine
        self.input_file: str | None = None
        self.output_file: str | None = None
        self.ibs = self.obs = 0
        self.bs = 0
        self.skip = self.seek = 0
        self.count = INTMAX_MAX
        self.iflags: set[str] = set()
        self.oflags: set[str] = set()
        self.conv: set[str] = set()
        self.status_level = STATUS_DEFAULT
        # counters
        self.r_full = self.r_partial = self.w_full = self.w_partial = 0
        self.w_bytes = 0
        self.reported_w_bytes = -1
        self.progress_len = 0
        self.start_ns = 0
        self.next_ns = 0
        # reading state
        self.prev_nread = 0
        self.warn_partial_read = False
        self.inp: DeviceFile | None = None
        self.out: DeviceFile | None = None
        self.opened: list[DeviceFile] = []
        self.in_kernel = 0
        self.finished = False
        self.input_name = self.output_name = ""
        self.errno = 0

    # -- output helpers ---------------------------------------------------------
    def raw_err(self, text: str) -> None:
        self.ctx.raw_err(text)

    def diagnose(self, errnum: int, text: str) -> None:
        if self.progress_len > 0:
            self.raw_err("\n")
            self.progress_len = 0
        self.ctx.err(f"dd: {text}" + (f": {_strerror(errnum)}" if errnum else ""))

    def now_ns(self) -> int:
        return round(self.engine.clock.now * NS)

    # -- I/O bookkeeping ----------------------------------------------------------
    def syscall(self, gen):
        """Run one system call as its own task and wait for it.

        A dd killed (by `timeout`) while a call waits for I/O is in D state: the call still
        completes when its I/O does (a held write still lands after resume), the device stays
        open until then, and only then does the process go away.
        """
        task = self.engine.spawn(self._in_kernel(gen), "dd")
        if not task.finished:
            yield task.exit_wait(f"dd: I/O on {self.input_name} or {self.output_name}", uninterruptible=True)
        if task.exception:
            raise task.exception
        return task.result

    def _in_kernel(self, gen):
        self.in_kernel += 1
        try:
            return (yield from gen)
        finally:
            self.in_kernel -= 1
            if self.finished and not self.in_kernel:
                self.release()

    def release(self) -> None:
        """close() of every file dd opened."""
        for file in self.opened:
            file.close()
        self.opened = []

    # -- the program --------------------------------------------------------------
    def main(self, argv: list[str]):
        try:
            self.scanargs(argv)
            self.open_files()
            if self.endless():
                self.ctx.err(f"dd: copying {self.input_name} to {self.output_name} without count= never ends; "
                             "dmconsole refuses it")
                raise _Abort(1)
            self.start_ns = self.now_ns()
            self.next_ns = self.start_ns + NS
            try:
                status = yield from self.dd_copy()
                sync_status = yield from self.synchronize_output()
                status = sync_status or status
            except _Quit as quit_:
                # quit(): cleanup() synchronizes first and, if that fails, exits without statistics.
                sync_status = yield from self.synchronize_output()
                if sync_status:
                    return sync_status
                status = quit_.status
            self.print_stats()
            return status
        except _Abort as abort:
            return abort.status
        finally:
            # A dd killed while its bios are held keeps the device open until they complete,
            # as a process in D state does.
            self.finished = True
            if not self.in_kernel:
                self.release()

    def usage_error(self, text: str):
        self.ctx.err(f"dd: {text}")
        self.ctx.err(TRY_HELP)
        raise _Abort(1)

    def scanargs(self, argv: list[str]) -> None:
        operands = []
        options_done = False
        for arg in argv:
            if not options_done and arg == "--":
                options_done = True
            elif not options_done and arg.startswith("--") and len(arg) > 2:
                name = arg[2:].split("=", 1)[0]
                matches = [o for o in ("help", "version") if o.startswith(name)]
                if len(matches) != 1:
                    self.usage_error(f"unrecognized option '{arg}'")
                if "=" in arg:
                    self.usage_error(f"option '--{matches[0]}' doesn't allow an argument")
                if matches[0] == "help":
                    self.ctx.write(HELP_TEXT)
                else:
                    self.ctx.write(VERSION_TEXT)
                raise _Abort(0)
            elif not options_done and arg.startswith("-") and len(arg) > 1:
                self.usage_error(f"invalid option -- '{arg[1]}'")
            else:
                operands.append(arg)
        blocksize = 0
        for arg in operands:
            name, eq, val = arg.partition("=")
            if not eq:
                self.usage_error(f"unrecognized operand {quote(arg)}")
            if name == "if":
                self.input_file = val
            elif name == "of":
                self.output_file = val
            elif name == "conv":
                self.conv |= self.parse_symbols(val, _CONVERSIONS, "invalid conversion")
            elif name == "iflag":
                self.iflags |= self.parse_symbols(val, _FLAGS, "invalid input flag")
            elif name == "oflag":
                self.oflags |= self.parse_symbols(val, _FLAGS, "invalid output flag")
            elif name == "status":
                level = self.parse_symbols(val, tuple(_STATUS_LEVELS), "invalid status level", exclusive=True)
                self.status_level = _STATUS_LEVELS[next(iter(level))]
            else:
                invalid, n = parse_integer(val, lambda text: self.ctx.err(f"dd: {text}"))
                has_b = "B" in val
                n_min, n_max = 0, INTMAX_MAX
                if name in ("ibs", "obs", "bs", "cbs"):
                    n_min, n_max = 1, INTMAX_MAX - 1
                if name == "ibs":
                    self.ibs = n
                elif name == "obs":
                    self.obs = n
                elif name == "bs":
                    blocksize = n
                elif name == "cbs":
                    pass
                elif name in ("skip", "iseek"):
                    self.skip = n
                    if has_b:
                        self.iflags.add("skip_bytes")
                elif name in ("seek", "oseek"):
                    self.seek = n
                    if has_b:
                        self.oflags.add("seek_bytes")
                elif name == "count":
                    self.count = n
                    if has_b:
                        self.iflags.add("count_bytes")
                else:
                    self.usage_error(f"unrecognized operand {quote(arg)}")
                if invalid == LONGINT_OK and n < n_min:
                    invalid = LONGINT_INVALID
                elif invalid == LONGINT_OK and n > n_max:
                    invalid = LONGINT_OVERFLOW
                if invalid != LONGINT_OK:
                    suffix = f": {_strerror(EOVERFLOW)}" if invalid == LONGINT_OVERFLOW else ""
                    self.ctx.err(f"dd: invalid number: {quote(val)}{suffix}")
                    raise _Abort(1)
        if blocksize:
            self.ibs = self.obs = blocksize
            self.bs = blocksize
        else:
            self.conv.add("twobufs")
        self.ibs = self.ibs or 512
        self.obs = self.obs or 512
        if "fullblock" in self.oflags:
            self.usage_error(f"invalid output flag: {quote('fullblock')}")
        for a, b in (("lcase", "ucase"), ("excl", "nocreat")):
            if a in self.conv and b in self.conv:
                self.ctx.err(f"dd: cannot combine {a} and {b}")
                raise _Abort(1)
        if len(self.conv & {"ascii", "ebcdic", "ibm"}) > 1:
            self.ctx.err("dd: cannot combine any two of {ascii,ebcdic,ibm}")
            raise _Abort(1)
        if {"block", "unblock"} <= self.conv:
            self.ctx.err("dd: cannot combine block and unblock")
            raise _Abort(1)
        if {"direct", "nocache"} <= self.iflags or {"direct", "nocache"} <= self.oflags:
            self.ctx.err("dd: cannot combine direct and nocache")
            raise _Abort(1)
        unsupported = [c for c in _UNSUPPORTED_CONVERSIONS if c in self.conv]
        if unsupported:
            self.ctx.err(f"dd: conv={unsupported[0]} is not supported by dmconsole")
            raise _Abort(1)
        if self.conv & _TWOBUFS_CONVERSIONS:
            self.conv.add("twobufs")
        # count/skip/seek in bytes
        self.max_records, self.max_bytes = self.count, 0
        if "count_bytes" in self.iflags and self.count != INTMAX_MAX:
            self.max_records, self.max_bytes = divmod(self.count, self.ibs)
        self.skip_records, self.skip_bytes = self.skip, 0
        if "skip_bytes" in self.iflags and self.skip:
            self.skip_records, self.skip_bytes = divmod(self.skip, self.ibs)
        self.seek_records, self.seek_bytes = self.seek, 0
        if "seek_bytes" in self.oflags and self.seek:
            self.seek_records, self.seek_bytes = divmod(self.seek, self.obs)
        self.warn_partial_read = ("twobufs" not in self.conv and "fullblock" not in self.iflags
                                  and (self.skip_records != 0 or 0 < self.max_records < INTMAX_MAX
                                       or "direct" in self.iflags or "direct" in self.oflags))
        if "append" in self.oflags and "notrunc" not in self.conv and self.status_level != STATUS_NONE:
            self.ctx.err("dd: you probably want conv=notrunc with oflag=append")

    def parse_symbols(self, text: str, table: tuple[str, ...], error: str, exclusive: bool = False) -> set[str]:
        found: set[str] = set()
        for word in text.split(","):
            if word not in table:
                self.usage_error(f"{error}: {quote(word)}")
            if exclusive:
                found = {word}
            else:
                found.add(word)
        return found

    # -- opening --------------------------------------------------------------------
    def open_file(self, path: str, flags: set[str], for_write: bool) -> DeviceFile:
        try:
            # O_APPEND does nothing on a block device: 6.1's blkdev_write_iter() never moves to the end.
            file = self.engine.files.open(path, direct="direct" in flags, sync=bool(flags & {"sync", "dsync"}),
                                          directory="directory" in flags,
                                          create_excl=for_write and "excl" in self.conv)
        except DMError as err:
            self.ctx.err(f"dd: failed to open {quoteaf(path)}: {_strerror(err.errno)}")
            raise _Abort(1) from None
        self.opened.append(file)
        return file

    def endless(self) -> bool:
        """A copy that GNU dd would only end when killed (or by SIGPIPE, which a lab pipeline cannot send)."""
        unlimited = self.max_records == INTMAX_MAX and not self.max_bytes
        source = isinstance(self.inp, CharFile) and self.inp.endless
        sink = isinstance(self.out, _Stdout) or (isinstance(self.out, CharFile) and self.out.discards)
        return unlimited and source and sink

    def open_files(self) -> None:
        if self.input_file is None:
            self.input_name = "standard input"
            self.inp = _Pipe(self.input_name, self.ctx.stdin)
        else:
            self.input_name = self.input_file
            self.inp = self.open_file(self.input_file, self.iflags, False)
        if self.output_file is None:
            self.output_name = "standard output"
            self.out = _Stdout(self.output_name, self.ctx)
        else:
            self.output_name = self.output_file
            self.out = self.open_file(self.output_file, self.oflags, True)

    # -- reading --------------------------------------------------------------------
    def iread(self, size: int):
        nread, data = yield from self.syscall(self.inp.read(size))
        if nread < 0 and -nread == EINVAL and 0 < self.prev_nread < size and "direct" in self.iflags:
            nread, data = 0, b""  # the final unaligned read of an O_DIRECT input is EOF
        if nread < 0:
            self.errno = -nread
        if 0 < nread and self.warn_partial_read:
            if 0 < self.prev_nread < size:
                if self.status_level != STATUS_NONE:
                    prev = self.prev_nread
                    self.diagnose(0, f"warning: partial read ({prev} byte{'' if prev == 1 else 's'}); "
                                     "suggest iflag=fullblock")
                self.warn_partial_read = False
        self.prev_nread = nread
        return nread, data

    def iread_fn(self, size: int):
        if "fullblock" not in self.iflags:
            return (yield from self.iread(size))
        chunks = []
        total = 0
        while total < size:
            nread, data = yield from self.iread(size - total)
            if nread < 0:
                return nread, b""
            if nread == 0:
                break
            chunks.append(data)
            total += nread
        return total, b"".join(chunks)

    # -- writing --------------------------------------------------------------------
    def iwrite(self, data: bytes):
        """Write all of ``data``; returns the bytes written (self.errno says why when short)."""
        out = self.out
        if isinstance(out, BlockFile) and out.direct and len(data) < self.obs:
            # The final short block: dd turns O_DIRECT off for it, and fsyncs at the end.
            out.direct = False
            self.conv.add("fsync")
        total = 0
        while total < len(data):
            chunk = data[total:]
            if "sparse" in self.conv and not any(chunk):
                if out.lseek(len(chunk)) == 0:  # seek over an all-NUL block instead of writing it
                    total += len(chunk)
                    break
                self.conv.discard("sparse")
            nwritten = yield from self.syscall(out.write(chunk))
            if nwritten < 0:
                self.errno = -nwritten
                break
            if nwritten == 0:
                self.errno = ENOSPC
                break
            total += nwritten
        return total

    def write_output(self, obuf: bytearray):
        nwritten = yield from self.iwrite(bytes(obuf[: self.obs]))
        self.w_bytes += nwritten
        if nwritten != self.obs:
            self.diagnose(self.errno, f"writing to {quoteaf(self.output_name)}")
            if nwritten:
                self.w_partial += 1
            raise _Quit(1)
        self.w_full += 1
        del obuf[: self.obs]

    # -- skipping -------------------------------------------------------------------
    def skip_file(self, is_input: bool, records: int, blocksize: int, nbytes: int):
        """skip(): lseek, or read and discard when the file cannot seek. Returns what was left."""
        f = self.inp if is_input else self.out
        name = self.input_name if is_input else self.output_name
        err = f.lseek(records * blocksize + nbytes)
        if err == 0:
            return 0, 0
        lseek_errno = -err
        if f.seek_end:
            self.diagnose(lseek_errno, f"{quotef(name)}: {'cannot skip' if is_input else 'cannot seek'}")
            raise _Quit(1)
        while records or nbytes:
            if is_input:
                nread, _ = yield from self.iread_fn(blocksize if records else nbytes)
            else:
                nread = -EBADF
            if nread < 0:
                if is_input:
                    self.diagnose(self.errno, f"error reading {quoteaf(name)}")
                    if "noerror" in self.conv:
                        self.print_stats()
                else:
                    self.diagnose(lseek_errno, f"{quotef(name)}: cannot seek")
                raise _Quit(1)
            if nread == 0:
                break
            if records:
                records -= 1
            else:
                nbytes = 0
        return records, nbytes

    # -- the copy loop ----------------------------------------------------------------
    def dd_copy(self):
        if self.skip_records or self.skip_bytes:
            left, left_bytes = yield from self.skip_file(True, self.skip_records, self.ibs, self.skip_bytes)
            if (left or left_bytes) and self.status_level != STATUS_NONE:
                self.diagnose(0, f"{quotef(self.input_name)}: cannot skip to specified offset")
        if self.seek_records or self.seek_bytes:
            yield from self.skip_file(False, self.seek_records, self.obs, self.seek_bytes)
        if self.max_records == 0 and self.max_bytes == 0:
            return 0
        for size, which in ((self.ibs, "input"), (self.obs, "output")):
            if size > MAX_BUFFER and (which == "input" or "twobufs" in self.conv):
                self.ctx.err(f"dd: memory exhausted by {which} buffer of size {size} bytes "
                             f"({human_readable(size, True)})")
                raise _Quit(1)
        twobufs = "twobufs" in self.conv
        obuf = bytearray()
        saved: bytes = b""  # conv=swab's odd byte
        partread = 0
        exit_status = 0
        while True:
            if self.status_level == STATUS_PROGRESS:
                now = self.now_ns()
                if self.next_ns <= now:
                    self.print_xfer_stats(now)
                    self.next_ns += NS
            if self.r_partial + self.r_full >= self.max_records + (1 if self.max_bytes else 0):
                break
            size = self.max_bytes if self.r_partial + self.r_full >= self.max_records else self.ibs
            nread, data = yield from self.iread_fn(size)
            if nread == 0:
                break
            if nread < 0:
                if "noerror" not in self.conv or self.status_level != STATUS_NONE:
                    self.diagnose(self.errno, f"error reading {quoteaf(self.input_name)}")
                if "noerror" in self.conv:
                    self.print_stats()
                    bad_portion = self.ibs - partread
                    if isinstance(self.inp, BlockFile) and self.inp.lseek(bad_portion):
                        # advance_input_after_read_error() could not seek past the bad block. GNU dd would
                        # read the same block again and again; dmconsole stops there.
                        self.diagnose(EINVAL, f"{quotef(self.input_name)}: cannot seek")
                        exit_status = 1
                        break
                    if "sync" in self.conv and not partread:
                        nread, data = 0, b""
                    else:
                        continue
                else:
                    exit_status = 1
                    break
            if nread < self.ibs:
                self.r_partial += 1
                partread = nread
                if "sync" in self.conv:
                    data = data + bytes(self.ibs - nread)
            else:
                self.r_full += 1
                partread = 0
            if not twobufs:
                nwritten = yield from self.iwrite(data)
                self.w_bytes += nwritten
                if nwritten != len(data):
                    self.diagnose(self.errno, f"error writing {quoteaf(self.output_name)}")
                    return 1
                if len(data) == self.ibs:
                    self.w_full += 1
                else:
                    self.w_partial += 1
                continue
            if "lcase" in self.conv:
                data = data.lower()
            elif "ucase" in self.conv:
                data = data.upper()
            if "swab" in self.conv:
                data = saved + data
                cut = len(data) - len(data) % 2
                data, saved = _swab(data[:cut]), data[cut:]
            obuf += data
            while len(obuf) >= self.obs:
                yield from self.write_output(obuf)
        if saved:
            obuf += saved
            while len(obuf) >= self.obs:
                yield from self.write_output(obuf)
        if obuf:
            nwritten = yield from self.iwrite(bytes(obuf))
            self.w_bytes += nwritten
            if nwritten:
                self.w_partial += 1
            if nwritten != len(obuf):
                self.diagnose(self.errno, f"error writing {quoteaf(self.output_name)}")
                return 1
        if self.conv & {"fdatasync", "fsync"} and self.status_level == STATUS_PROGRESS \
                and 0 <= self.reported_w_bytes < self.w_bytes:
            self.print_xfer_stats(0)
        return exit_status

    def synchronize_output(self):
        """synchronize_output(): conv=fdatasync / conv=fsync, once, even after a write error."""
        wanted = self.conv & {"fdatasync", "fsync"}
        self.conv -= {"fdatasync", "fsync"}
        status = 0
        if "fdatasync" in wanted:
            err = yield from self.syscall(self.out.fsync(True))
            if err:
                if -err not in (EINVAL,):
                    self.diagnose(-err, f"fdatasync failed for {quoteaf(self.output_name)}")
                    status = 1
                wanted.add("fsync")
        if "fsync" in wanted:
            err = yield from self.syscall(self.out.fsync(False))
            if err:
                self.diagnose(-err, f"fsync failed for {quoteaf(self.output_name)}")
                return 1
        return status

    # -- statistics -----------------------------------------------------------------
    def print_xfer_stats(self, progress_ns: int) -> None:
        now = progress_ns or self.now_ns()
        line = xfer_stats(self.w_bytes, now - self.start_ns, bool(progress_ns))
        if progress_ns:
            pad = " " * (self.progress_len - len(line)) if len(line) < self.progress_len else ""
            self.raw_err("\r" + line + pad)
            self.progress_len = len(line)
            self.reported_w_bytes = self.w_bytes
        else:
            self.raw_err(line + "\n")

    def print_stats(self) -> None:
        if self.status_level == STATUS_NONE:
            return
        if self.progress_len > 0:
            self.raw_err("\n")
            self.progress_len = 0
        self.raw_err(f"{self.r_full}+{self.r_partial} records in\n{self.w_full}+{self.w_partial} records out\n")
        if self.status_level == STATUS_NOXFER:
            return
        self.print_xfer_stats(0)


def _swab(data: bytes) -> bytes:
    out = bytearray(data)
    out[0::2], out[1::2] = data[1::2], data[0::2]
    return bytes(out)


@command("dd", "Copy data to or from a device, as GNU coreutils dd 9.1 (each block is I/O on the lab clock)",
         "dd [if=FILE] [of=FILE] [bs=N|ibs=N obs=N] [count=N] [skip=N] [seek=N] [iflag=FLAGS] [oflag=FLAGS] "
         "[conv=CONVS] [status=none|noxfer|progress]",
         args=(Arg("if", "input: /dev/zero, /dev/urandom, /dev/null, a block device; stdin if missing", BLOCKDEV,
                   optional=True),
               Arg("of", "output: a block device or /dev/null; stdout if missing", BLOCKDEV, optional=True),
               Arg("bs", "block size for reads and writes (512, 4k, 1M, 1MiB, 2x512...)", optional=True),
               Arg("count", "blocks to copy (bytes with a B suffix or iflag=count_bytes)", optional=True),
               Arg("skip", "input blocks to skip", optional=True),
               Arg("seek", "output blocks to skip", optional=True),
               Arg("iflag", "direct,fullblock,sync,dsync,count_bytes,skip_bytes", optional=True),
               Arg("oflag", "direct,sync,dsync,seek_bytes,append", optional=True),
               Arg("conv", "fsync,fdatasync,notrunc,sync,noerror,sparse,swab,lcase,ucase", optional=True),
               Arg("status", "none, noxfer or progress", choices=("none", "noxfer", "progress"), optional=True)),
         example="dd if=/dev/zero of=/dev/mapper/lin bs=4k count=16 oflag=direct status=noxfer")
def dd(ctx: Context, argv: list[str]):
    return (yield from _DD(ctx).main(argv))
