"""Size arguments as dd and the lab commands take them (512, 4k, 1M, 1MiB, 2048s, 2x512)."""

from __future__ import annotations

_SUFFIX = {
    "": 1, "c": 1, "w": 2, "b": 512,
    "k": 1024, "K": 1024, "kB": 1000, "KB": 1000, "KiB": 1024,
    "M": 1024**2, "MB": 1000**2, "MiB": 1024**2,
    "G": 1024**3, "GB": 1000**3, "GiB": 1024**3,
    "T": 1024**4, "TB": 1000**4, "TiB": 1024**4,
    "P": 1024**5, "PB": 1000**5, "PiB": 1024**5,
}


def parse_size(text: str, sectors: bool = False) -> int | None:
    """GNU dd's number syntax (with `x` products); with ``sectors``, the result in 512-byte sectors,
    where a plain number or an `s` suffix means sectors (as in tables) and a unit means bytes.
    None when the text is not a number."""
    if sectors and text.isdigit():
        return int(text)
    if sectors and text.endswith("s") and text[:-1].isdigit():
        return int(text[:-1])
    total = 1
    for part in text.split("x"):
        digits = len(part) - len(part.lstrip("0123456789"))
        if digits == 0:
            return None
        number, suffix = int(part[:digits]), part[digits:]
        if suffix not in _SUFFIX:
            return None
        total *= number * _SUFFIX[suffix]
    if sectors:
        return (total + 511) // 512
    return total
