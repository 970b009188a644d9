"""dm-delay: constructor, table/status strings, holding bios on the clock, suspend."""

from __future__ import annotations

import pytest

from dmconsole.engine.block.bio import Flag, Op
from dmconsole.engine.core.errno import EINVAL, ENODEV, DMError

from .conftest import table_rows

D = "/dev/mapper/d"


def ctr_error(lab, params: str) -> tuple[int, str]:
    lab.engine.dm.dev_create("bad")
    with pytest.raises(DMError) as info:
        lab.engine.dm.table_load("bad", table_rows(f"0 65536 delay {params}"))
    lab.engine.dm.dev_remove("bad")
    log = lab.klog()
    assert log[-1] == "device-mapper: ioctl: error adding target to table"
    return info.value.errno, log[-2]


@pytest.mark.parametrize(
    "params, reason",
    [
        ("/dev/ram0 0", "Requires exactly 3, 6 or 9 arguments (-EINVAL)"),
        ("/dev/ram0 0 10 /dev/ram1", "Requires exactly 3, 6 or 9 arguments (-EINVAL)"),
        ("/dev/ram0 0 10 /dev/ram1 0 10 /dev/ram2 0", "Requires exactly 3, 6 or 9 arguments (-EINVAL)"),
        ("/dev/ram0 x 10", "Invalid device sector (-EINVAL)"),
        ("/dev/ram0 -1 10", "Invalid device sector (-EINVAL)"),
        ("/dev/ram0 0 ten", "Invalid delay (-EINVAL)"),
        ("/dev/ram0 0 5ms", "Invalid delay (-EINVAL)"),
        ("/dev/ram0 0 10 /dev/ram1 0 -3", "Invalid delay (-EINVAL)"),
    ],
)
def test_constructor_errors(lab, params, reason):
    err, line = ctr_error(lab, params)
    assert err == EINVAL
    assert line == f"device-mapper: table: 254:0: delay: {reason}"


def test_device_lookup_failure_returns_its_errno(lab):
    err, line = ctr_error(lab, "/dev/ram0 0 10 /dev/nosuch 0 10")
    assert err == ENODEV
    assert line == "device-mapper: table: 254:0: delay: Device lookup failed (-ENODEV)"


def test_table_echoes_the_shape_loaded(lab):
    lab.create("d3", "0 32768 delay /dev/ram0 0 500")
    lab.create("d6", "0 32768 delay /dev/ram0 0 0 /dev/ram0 0 40")
    lab.create("d9", "0 32768 delay /dev/ram0 0 50 /dev/ram1 0 100 /dev/ram0 0 333")
    assert lab.table("d3") == ["0 32768 delay 1:0 0 500"]
    # snapshot.txt shows `0 65536 delay 1:0 0 0 1:0 0 40` for this shape of table
    assert lab.table("d6") == ["0 32768 delay 1:0 0 0 1:0 0 40"]
    assert lab.table("d9") == ["0 32768 delay 1:0 0 50 1:1 0 100 1:0 0 333"]
    assert lab.status("d9") == ["0 32768 delay 0 0 0"]
    assert lab.engine.make_view().device("d9").deps == ("1:0", "1:1")


def test_a_bio_is_held_for_exactly_the_delay(lab):
    lab.create("d", "0 8192 delay /dev/ram0 2048 500")
    done_at = []
    bio = lab.write(D, 8, b"delayed payload")
    bio_end = bio.end_io

    def note(b):
        done_at.append(lab.engine.clock.now)
        if bio_end:
            bio_end(b)

    bio.end_io = note
    assert not bio.done
    assert lab.status("d") == ["0 8192 delay 0 1 0"]
    assert lab.md("d").in_flight == 1
    lab.engine.advance(0.375)
    assert not bio.done
    assert lab.disk_bytes("ram0", 2048 + 8)[:15] == bytes(15)
    lab.engine.advance(0.125)
    assert lab.ok(bio)
    assert done_at == [0.5]
    assert lab.status("d") == ["0 8192 delay 0 0 0"]
    assert lab.md("d").in_flight == 0
    assert lab.disk_bytes("ram0", 2048 + 8)[:15] == b"delayed payload"
    # and it reads back through the target, after the read delay
    read = lab.read(D, 8)
    assert not read.done and lab.status("d") == ["0 8192 delay 1 0 0"]
    lab.engine.advance(0.5)
    assert lab.ok(read) and bytes(read.data[:15]) == b"delayed payload"


def test_classes_in_nine_argument_mode(lab):
    lab.give_disks_a_write_cache()
    lab.create("d", "0 8192 delay /dev/ram0 0 100 /dev/ram1 0 200 /dev/ram2 0 300")
    read = lab.read(D, 0)
    write = lab.write(D, 1, b"w")
    preflush_write = lab.write(D, 2, b"pf", Flag.PREFLUSH)
    fua_write = lab.write(D, 3, b"fua", Flag.FUA)
    flush = lab.submit(D, Op.FLUSH)
    assert lab.status("d") == ["0 8192 delay 1 2 2"]
    lab.engine.advance(0.1)
    assert lab.ok(read) and not write.done
    assert lab.status("d") == ["0 8192 delay 0 2 2"]
    lab.engine.advance(0.1)
    assert lab.ok(write) and lab.ok(fua_write) and not preflush_write.done and not flush.done
    assert lab.status("d") == ["0 8192 delay 0 0 2"]
    lab.engine.advance(0.1)
    # dm core sends a write carrying PREFLUSH as an empty flush first (the flush class), then its data
    # without the flag (the write class): it is a write again, held 200 ms more
    assert lab.ok(flush) and not preflush_write.done
    assert lab.status("d") == ["0 8192 delay 0 1 0"]
    lab.engine.advance(0.2)
    assert lab.ok(preflush_write)
    assert lab.status("d") == ["0 8192 delay 0 0 0"]
    # each class went to its own device
    assert lab.disk_bytes("ram1", 1)[:1] == b"w" and lab.disk_bytes("ram1", 3)[:3] == b"fua"
    assert lab.disk_bytes("ram1", 2)[:2] == b"pf" and lab.disk_bytes("ram2", 2)[:2] == bytes(2)


def test_flushes_use_the_write_parameters_but_count_as_flushes_with_six_args(lab):
    lab.give_disks_a_write_cache()
    lab.create("d", "0 8192 delay /dev/ram0 0 0 /dev/ram1 100 40")
    read = lab.read(D, 0)
    assert lab.ok(read)  # delay 0: straight through, never counted
    write = lab.write(D, 0, b"x", Flag.PREFLUSH)
    assert lab.status("d") == ["0 8192 delay 0 0 1"]  # the flush first
    lab.engine.advance(0.04)
    assert not write.done and lab.status("d") == ["0 8192 delay 0 1 0"]  # then the data, as a write
    lab.engine.advance(0.04)
    assert lab.ok(write)
    assert lab.disk_bytes("ram1", 100)[:1] == b"x"


def test_three_args_one_class_for_everything(lab):
    lab.give_disks_a_write_cache()
    lab.create("d", "0 8192 delay /dev/ram0 0 20")
    bios = [lab.read(D, 0), lab.write(D, 0, b"a"), lab.submit(D, Op.FLUSH), lab.submit(D, Op.DISCARD, 8, 8)]
    assert lab.status("d") == ["0 8192 delay 1 2 1"]
    lab.engine.advance(0.019)
    assert not any(b.done for b in bios)
    lab.engine.advance(0.001)
    assert all(lab.ok(b) for b in bios)


def test_bios_due_together_complete_in_submission_order(lab):
    lab.create("d", "0 8192 delay /dev/ram0 0 50")
    order = []
    for i in range(4):
        bio = lab.write(D, i, bytes([65 + i]))
        bio.end_io = (lambda n: lambda b: order.append(n))(i)
    lab.engine.advance(0.05)
    assert order == [0, 1, 2, 3]


def test_presuspend_releases_everything_at_once_and_resume_delays_again(lab):
    lab.create("d", "0 8192 delay /dev/ram0 0 1000")
    first = lab.write(D, 0, b"one")
    lab.engine.advance(0.25)
    second = lab.write(D, 1, b"two")
    assert lab.status("d") == ["0 8192 delay 0 2 0"]
    lab.suspend("d")
    assert lab.engine.clock.now == 0.25
    assert lab.ok(first) and lab.ok(second)
    assert lab.status("d") == ["0 8192 delay 0 0 0"]
    assert lab.disk_bytes("ram0", 0, 2)[:3] == b"one" and lab.disk_bytes("ram0", 1)[:3] == b"two"
    # while suspended, new I/O waits in dm core, not in the target
    third = lab.write(D, 2, b"three")
    assert not third.done and lab.status("d") == ["0 8192 delay 0 0 0"]
    assert len(lab.md("d").held_bios) == 1
    lab.resume("d")
    assert not third.done and lab.status("d") == ["0 8192 delay 0 1 0"]
    lab.engine.advance(0.999)
    assert not third.done
    lab.engine.advance(0.001)
    assert lab.ok(third)


def test_noflush_suspend_also_releases(lab):
    lab.create("d", "0 8192 delay /dev/ram0 0 1000")
    bio = lab.read(D, 0)
    lab.suspend("d", noflush=True)
    assert lab.ok(bio)


def test_reload_swaps_in_new_delays(lab):
    lab.create("d", "0 8192 delay /dev/ram0 0 1000")
    held = lab.write(D, 0, b"old-table")
    lab.reload("d", "0 8192 delay /dev/ram0 0 10")
    assert not held.done
    lab.resume("d")  # suspends (presuspend flushes the old table's bios), swaps, resumes
    assert lab.ok(held)
    fast = lab.write(D, 1, b"new")
    lab.engine.advance(0.01)
    assert lab.ok(fast)


def test_remove_sends_held_bios(lab):
    lab.create("d", "0 8192 delay /dev/ram0 0 1000")
    bio = lab.write(D, 0, b"not lost")
    lab.engine.dm.dev_remove("d")
    assert lab.ok(bio)
    assert lab.disk_bytes("ram0", 0)[:8] == b"not lost"
    lab.engine.advance(2)  # the cancelled timer does nothing
    assert lab.engine.clock.pending() == 0


def test_errors_from_below_pass_up(lab):
    lab.create("d", "0 8192 delay /dev/ram0 0 10")
    lab.engine.block.disks["ram0"].faults.failed = True
    bio = lab.read(D, 0)
    lab.engine.advance(0.01)
    assert lab.failed(bio)


def test_family_view(lab):
    from dmconsole.engine.targets.delay import DelayView

    lab.create("d", "0 8192 delay /dev/ram0 0 10 /dev/ram0 0 20")
    lab.write(D, 0, b"x")
    view = lab.engine.make_view().device("d").live[0]
    assert view.status == "0 1 0"
    assert view.detail == DelayView((10, 20, 20), (0, 1, 0), True)


def test_without_a_write_cache_flushes_never_reach_the_target(lab):
    # Recorded (delay): over brd, conv=fsync and O_DSYNC with only the flush class delayed finish at once.
    lab.create("d", "0 8192 delay /dev/ram0 0 0 /dev/ram0 0 0 /dev/ram0 0 3000")
    flush = lab.submit(D, Op.FLUSH)
    fua_write = lab.write(D, 8, b"fua", Flag.PREFLUSH | Flag.FUA)
    assert lab.ok(flush) and lab.ok(fua_write)
    assert lab.status("d") == ["0 8192 delay 0 0 0"]
    assert lab.disk_bytes("ram0", 8)[:3] == b"fua"
