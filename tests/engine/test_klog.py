"""The kernel log: dmesg's line format, dmesg -c, and printk_ratelimited()."""

from __future__ import annotations

from dmconsole.engine.core.clock import Clock
from dmconsole.engine.core.klog import KernelLog


def test_dmesg_lines_and_clear():
    clock = Clock()
    klog = KernelLog(clock)
    klog.log("first")
    clock.advance(1.2345675)
    line = klog.log("second")
    assert line.dmesg() == "[    1.234568] second"
    klog.clear()
    assert klog.lines() == []
    klog.log("third")
    assert [entry.text for entry in klog.lines()] == ["third"]


def test_ratelimited_lines_allow_ten_per_five_seconds_then_say_how_many_were_dropped():
    clock = Clock()
    klog = KernelLog(clock)
    for n in range(25):
        klog.log_ratelimited("bio_check_ro", f"w{n}")
    assert [entry.text for entry in klog.lines()] == [f"w{n}" for n in range(10)]
    clock.advance(5.0)
    klog.log_ratelimited("bio_check_ro", "late")  # not yet past the interval
    clock.advance(0.01)
    klog.log_ratelimited("bio_check_ro", "next")
    klog.log_ratelimited("other_site", "own limit")
    assert [entry.text for entry in klog.lines()][10:] == [
        "bio_check_ro: 16 callbacks suppressed",
        "next",
        "own limit",
    ]
