"""The kernel's number parsing used by the target constructors and messages."""

from __future__ import annotations

import pytest

from dmconsole.engine.core.errno import TargetError
from dmconsole.engine.targets.kparse import ArgSet, kstrtouint, sscanf_uint


@pytest.mark.parametrize(
    "text, bits, value",
    [
        ("0", 32, 0), ("007", 32, 7), ("4294967295", 32, 4294967295),
        ("4294967296", 32, 0),  # vsscanf wraps instead of refusing
        ("18446744073709551617", 64, 1),
        (" 12", 32, 12),  # white space before the number is skipped
        ("12 ", 32, None), ("12x", 32, None), ("-1", 32, None), ("+1", 32, None), ("0x10", 32, None),
        ("", 32, None), (None, 32, None), ("١٢", 32, None),
    ],
)
def test_sscanf_uint(text, bits, value):
    assert sscanf_uint(text, bits) == value


@pytest.mark.parametrize(
    "text, value",
    [("512", 512), ("+512", 512), ("512\n", 512), ("4294967295", 4294967295), ("4294967296", None),
     ("-512", None), (" 512", None), ("", None), ("0x200", None)],
)
def test_kstrtouint(text, value):
    assert kstrtouint(text) == value


def test_arg_set_reads_and_groups():
    words = ArgSet(["2", "a", "b", "7"])
    assert words.read_arg(0, 6, "bad group", grouped=True) == 2
    assert [words.shift(), words.shift()] == ["a", "b"]
    with pytest.raises(TargetError) as info:
        words.read_arg(0, 5, "too big")
    assert info.value.reason == "too big"
    assert words.shift() is None
    with pytest.raises(TargetError):
        words.read_arg(0, 5, "missing")
    with pytest.raises(TargetError):
        ArgSet(["3", "a", "b"]).read_arg(0, 6, "more than left", grouped=True)
