"""The kernel's number parsing as target constructors and messages use it.

Targets parse their arguments with ``sscanf(arg, "%u%c")`` / ``"%llu%c"``,
``kstrtouint()`` and ``dm_read_arg()``; each has its own idea of what is a
number. These helpers reproduce them (Linux 6.1, lib/vsprintf.c, lib/kstrtox.c,
drivers/md/dm-table.c) so that the same words are accepted and rejected.
"""

from __future__ import annotations

from ..core.errno import EINVAL, TargetError

U32 = 1 << 32
U64 = 1 << 64


def sscanf_uint(text: str | None, bits: int = 32) -> int | None:
    """``sscanf(text, "%u%c", &v, &dummy) == 1`` (or ``%llu`` with bits=64): v, or None.

    vsscanf takes decimal digits only (no sign for an unsigned conversion) and
    wraps a value too big for the type instead of refusing it
    (simple_strntoull() keeps going modulo 2^64, then the store truncates).
    Anything after the digits is read by ``%c`` and makes the count 2: refused.
    """
    if text is None:
        return None
    text = text.lstrip(" \t\n\v\f\r")  # vsscanf skips white space before a number
    if not text or not text.isascii() or not text.isdigit():
        return None
    return int(text) % (1 << bits)


def kstrtouint(text: str | None) -> int | None:
    """``kstrtouint(text, 10, &v)``: an optional '+', digits, an optional trailing newline; no overflow."""
    if text is None:
        return None
    if text.endswith("\n"):
        text = text[:-1]
    if text.startswith("+"):
        text = text[1:]
    if not text or not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if value < U32 else None


class ArgSet:
    """``struct dm_arg_set``: the words still to read, shifted off the front."""

    def __init__(self, words: list[str]):
        self.words = list(words)

    @property
    def argc(self) -> int:
        return len(self.words)

    def shift(self) -> str | None:
        """dm_shift_arg(): the next word, or None when none is left."""
        return self.words.pop(0) if self.words else None

    def read_arg(self, lo: int, hi: int, error: str, grouped: bool = False) -> int:
        """dm_read_arg() / dm_read_arg_group(): the value; TargetError(``error``) when refused.

        A missing word, a word that is not a number or is out of [lo, hi] is
        refused; so is a group count larger than the words left.
        """
        value = sscanf_uint(self.shift(), 32)
        if value is None or value < lo or value > hi or (grouped and self.argc < value):
            raise TargetError(error, EINVAL)
        return value
