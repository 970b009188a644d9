"""The engine core: table rules, device lookup, suspend/resume, reload, remove, rename, minors, wait, clock."""

from __future__ import annotations

import pytest

from dmconsole.engine.block.bio import Op
from dmconsole.engine.core.clock import Clock
from dmconsole.engine.core.errno import EBUSY, EINVAL, ENODEV, ENXIO, DMError
from dmconsole.engine.dm.target import TARGET_TYPES, Target

from .conftest import table_rows

ADD_FAILED = "device-mapper: ioctl: error adding target to table"


def load_fails(lab, table: str, name: str = "t") -> tuple[int, list[str]]:
    """Load ``table`` into a fresh device; return the errno and the kernel lines, and remove the device."""
    lab.engine.dm.dev_create(name)
    with pytest.raises(DMError) as info:
        lab.engine.dm.table_load(name, table_rows(table))
    md = lab.md(name)
    assert md.inactive is None and md.live is None
    lab.engine.dm.dev_remove(name)
    return info.value.errno, lab.klog()


# ------------------------------------------------------------------ table rules
def test_gap_in_table(lab):
    err, log = load_fails(lab, "0 100 zero\n200 100 zero")
    assert err == EINVAL
    assert log == ["device-mapper: table: 254:0: zero: Gap in table (-EINVAL)", ADD_FAILED]


def test_table_not_starting_at_zero_is_a_gap(lab):
    _, log = load_fails(lab, "100 100 zero")
    assert log == ["device-mapper: table: 254:0: zero: Gap in table (-EINVAL)", ADD_FAILED]


def test_overlap_is_a_gap(lab):
    _, log = load_fails(lab, "0 200 zero\n100 100 zero")
    assert log == ["device-mapper: table: 254:0: zero: Gap in table (-EINVAL)", ADD_FAILED]


def test_zero_length_target(lab):
    err, log = load_fails(lab, "0 0 zero")
    assert err == EINVAL
    assert log == ["device-mapper: table: 254:0: zero-length target", ADD_FAILED]


def test_too_large_device(lab):
    # dmsetup reads a start of -1 with %llu; the kernel refuses the wrap-around.
    err, log = load_fails(lab, f"{2**64 - 1} 100 zero")
    assert err == EINVAL
    assert log == ["device-mapper: table: 254:0: too large device", ADD_FAILED]


def test_unknown_target_type(lab):
    err, log = load_fails(lab, "0 100 frobtarget")
    assert err == EINVAL
    assert log == ["device-mapper: table: 254:0: frobtarget: unknown target type", ADD_FAILED]


def test_constructor_error_keeps_the_previous_inactive_table(lab):
    lab.create("t", "0 100 zero")
    lab.reload("t", "0 200 zero")
    with pytest.raises(DMError):
        lab.reload("t", "0 100 linear /dev/ram0")
    assert lab.table("t", inactive=True) == ["0 200 zero "]
    assert lab.table("t") == ["0 100 zero "]


@pytest.fixture
def test_types():
    """Two test-only target types: a singleton and an immutable one (removed again afterwards)."""

    class Single(Target):
        name = "t-single"
        singleton = True

        def ctr(self, args):
            pass

        def map(self, bio):
            bio.endio(0)

    class Immutable(Target):
        name = "t-immutable"
        immutable = True

        def ctr(self, args):
            pass

        def map(self, bio):
            bio.endio(0)

    TARGET_TYPES[Single.name] = Single
    TARGET_TYPES[Immutable.name] = Immutable
    yield
    del TARGET_TYPES[Single.name]
    del TARGET_TYPES[Immutable.name]


def test_singleton_first_then_another(lab, test_types):
    _, log = load_fails(lab, "0 100 t-single\n100 100 zero")
    assert log == ["device-mapper: table: 254:0: target type t-single must appear alone in table", ADD_FAILED]


def test_singleton_after_another(lab, test_types):
    _, log = load_fails(lab, "0 100 zero\n100 100 t-single")
    assert log == [
        "device-mapper: table: 254:0: t-single: singleton target type must appear alone in table (-EINVAL)",
        ADD_FAILED,
    ]


def test_singleton_alone_loads(lab, test_types):
    lab.create("s", "0 100 t-single")
    assert lab.table("s") == ["0 100 t-single "]


def test_immutable_cannot_be_mixed(lab, test_types):
    _, log = load_fails(lab, "0 100 zero\n100 100 t-immutable")
    assert log == [
        "device-mapper: table: 254:0: t-immutable: immutable target type cannot be mixed with other target types"
        " (-EINVAL)",
        ADD_FAILED,
    ]
    _, log = load_fails(lab, "0 100 t-immutable\n100 100 zero")
    assert log == [
        "device-mapper: table: 254:0: zero: immutable target type cannot be mixed with other target types (-EINVAL)",
        ADD_FAILED,
    ]


def test_immutable_live_table_can_only_be_replaced_by_its_type_or_error(lab, test_types):
    lab.create("i", "0 100 t-immutable")
    with pytest.raises(DMError) as info:
        lab.reload("i", "0 100 zero")
    assert info.value.errno == EINVAL
    assert lab.klog() == ["device-mapper: ioctl: can't replace immutable target type t-immutable"]
    assert lab.md("i").inactive is None
    lab.reload("i", "0 200 t-immutable")
    lab.reload("i", "0 100 error")  # error is a wildcard
    lab.resume("i")
    assert lab.table("i") == ["0 100 error "]


# ------------------------------------------------------------------ device lookup
@pytest.mark.parametrize("path", ["/dev/ram1", "1:1"])
def test_disk_lookup_by_path_and_devno(lab, path):
    lab.create("l", f"0 100 linear {path} 0")
    assert lab.table("l") == ["0 100 linear 1:1 0"]


@pytest.mark.parametrize("path", ["/dev/mapper/base", "/dev/dm-0", "254:0"])
def test_mapped_device_lookup(lab, path):
    lab.create("base", "0 200 linear /dev/ram0 0")
    lab.create("top", f"0 100 linear {path} 10")
    assert lab.table("top") == ["0 100 linear 254:0 10"]
    assert lab.md("base").open_count == 1
    lab.write("/dev/mapper/top", 0, b"stacked")
    assert lab.disk_bytes("ram0", 10)[:7] == b"stacked"


def test_missing_path_is_enodev(lab):
    err, log = load_fails(lab, "0 100 linear /dev/nosuch 0")
    assert err == ENODEV
    assert log == ["device-mapper: table: 254:0: linear: Device lookup failed (-ENODEV)", ADD_FAILED]


def test_missing_devno_is_enxio(lab):
    err, log = load_fails(lab, "0 100 linear 60:0 0")
    assert err == ENXIO
    assert log == ["device-mapper: table: 254:0: linear: Device lookup failed (-ENXIO)", ADD_FAILED]


def test_free_loop_and_ram_devnos_are_autoloaded(lab):
    # Recorded (table_rules): opening 7:99 makes an empty loop99, 1:9 makes ram9 of rd_size.
    lab.create("r2", "0 100 linear 7:99 0")
    assert lab.klog() == ["block device autoloading is deprecated and will be removed."]
    assert lab.engine.block.disks["loop99"].size_sectors == 0
    lab.create("r7", "0 100 linear 1:9 0")
    assert lab.klog() == ["block device autoloading is deprecated and will be removed."]
    assert lab.engine.block.disks["ram9"].size_sectors == lab.engine.block.disks["ram0"].size_sectors
    assert lab.table("r7") == ["0 100 linear 1:9 0"]


def test_a_device_reloaded_onto_itself_holds_itself(lab):
    lab.create("me", "0 100 zero")
    lab.reload("me", "0 100 linear /dev/mapper/me 0")
    lab.resume("me")
    assert lab.table("me") == ["0 100 linear 254:0 0"]
    assert lab.md("me").open_count == 1
    with pytest.raises(DMError) as info:
        lab.engine.dm.dev_remove("me")
    assert info.value.errno == EBUSY
    assert lab.failed(lab.read("/dev/mapper/me", 0))  # the kernel would spin on it forever


def test_a_tableless_device_is_not_there_for_tables(lab):
    lab.engine.dm.dev_create("self")
    for path, err in (("/dev/mapper/self", ENODEV), ("254:0", ENXIO), ("/dev/dm-0", ENODEV)):
        with pytest.raises(DMError) as info:
            lab.reload("self", f"0 100 linear {path} 0")
        assert info.value.errno == err


def test_first_table_past_the_end_fails_at_load(lab):
    err, log = load_fails(lab, "0 40000 linear /dev/ram0 0")
    assert err == EINVAL
    assert log == [
        "device-mapper: table: 254:0: ram0 too small for target: start=0, len=40000, dev_size=32768",
        "device-mapper: core: Cannot calculate initial queue limits",
        "device-mapper: ioctl: unable to set up device queue for new table.",
    ]


# ------------------------------------------------------------------ suspend / resume / reload
def test_suspend_holds_io_and_resume_releases_it(lab):
    lab.create("lin", "0 8192 linear /dev/ram0 0")
    lab.suspend("lin")
    md = lab.md("lin")
    assert md.suspended and md.block_io
    bio = lab.write("/dev/mapper/lin", 5, b"held-write")
    assert not bio.done
    assert len(md.held_bios) == 1
    assert lab.disk_bytes("ram0", 5)[:10] == bytes(10)
    lab.resume("lin")
    assert lab.ok(bio)
    assert not md.suspended and md.held_bios == []
    assert lab.disk_bytes("ram0", 5)[:10] == b"held-write"


def test_suspend_twice_and_resume_of_active_device_are_harmless(lab):
    lab.create("lin", "0 8192 linear /dev/ram0 0")
    lab.resume("lin")
    lab.suspend("lin")
    lab.suspend("lin")
    lab.resume("lin")
    assert not lab.md("lin").suspended


def test_reload_then_resume_swaps_tables(lab):
    lab.create("lin", "0 8192 linear /dev/ram0 0\n8192 8192 linear /dev/ram1 2048")
    lab.reload("lin", "0 24576 linear /dev/ram0 0")
    md = lab.md("lin")
    assert lab.table("lin") == ["0 8192 linear 1:0 0", "8192 8192 linear 1:1 2048"]
    assert lab.table("lin", inactive=True) == ["0 24576 linear 1:0 0"]
    assert md.size_sectors == 16384
    lab.suspend("lin")
    lab.resume("lin")
    assert lab.table("lin") == ["0 24576 linear 1:0 0"]
    assert md.inactive is None and md.size_sectors == 24576
    # the old table let go of ram1
    assert lab.engine.block.disks["ram1"].open_count == 0
    # a reload + resume raises no event on a linear device
    assert md.event_nr == 0


def test_resume_fails_when_device_too_small(lab):
    lab.create("lin", "0 4096 linear /dev/ram0 0")
    lab.klog()
    lab.reload("lin", "0 32768 linear /dev/ram0 16")
    with pytest.raises(DMError) as info:
        lab.engine.run(lab.engine.dm.dev_resume("lin"))
    assert info.value.errno == EINVAL
    assert lab.klog() == [
        "device-mapper: table: 254:0: ram0 too small for target: start=16, len=32768, dev_size=32768"
    ]
    md = lab.md("lin")
    assert md.suspended
    assert md.inactive is None
    assert lab.table("lin") == ["0 4096 linear 1:0 0"]
    lab.resume("lin")
    assert not md.suspended


def test_resume_without_any_table_does_nothing(lab):
    info = lab.engine.dm.dev_create("empty")
    assert not info.suspended  # DM_DEV_CREATE leaves it active, with no table
    lab.resume("empty")
    md = lab.md("empty")
    assert md.live is None and not md.suspended
    with pytest.raises(DMError) as info:
        lab.engine.block.openable("/dev/mapper/empty")
    assert info.value.errno == ENXIO  # the node is there now, the gendisk is not


def test_io_past_the_end_fails(lab):
    lab.create("lin", "0 100 linear /dev/ram0 0")
    assert lab.failed(lab.read("/dev/mapper/lin", 99, 2))
    assert lab.ok(lab.read("/dev/mapper/lin", 99, 1))


# ------------------------------------------------------------------ remove, rename, minors, events
def test_remove_refused_while_open(lab):
    lab.create("lin", "0 100 linear /dev/ram0 0")
    lab.create("top", "0 100 linear /dev/mapper/lin 0")
    with pytest.raises(DMError) as info:
        lab.engine.dm.dev_remove("lin")
    assert info.value.errno == EBUSY
    lab.md("top").opens += 1
    with pytest.raises(DMError):
        lab.engine.dm.dev_remove("top")
    lab.md("top").opens -= 1
    lab.engine.dm.dev_remove("top")
    lab.engine.dm.dev_remove("lin")
    assert lab.engine.dm.devices == {}
    with pytest.raises(DMError) as info:
        lab.engine.dm.dev_remove("lin")
    assert info.value.errno == ENXIO


def test_rename_raises_an_event(lab):
    lab.create("lin", "0 2048 linear /dev/ram3 0")
    md = lab.md("lin")
    lab.reload("lin", "0 4096 linear /dev/ram3 0")
    lab.resume("lin")
    lab.suspend("lin")
    lab.resume("lin")
    assert md.event_nr == 0
    lab.engine.dm.dev_rename("lin", "lin2")
    assert md.event_nr == 1
    assert md.name == "lin2" and "lin" not in lab.engine.dm.devices


def test_rename_of_a_missing_device_is_enxio_and_logged(lab):
    for kwargs, target in (({"new_name": "x"}, "x"), ({"new_uuid": "U1"}, "uuid U1")):
        with pytest.raises(DMError) as info:
            lab.engine.dm.dev_rename("nosuchdev", **kwargs)
        assert info.value.errno == ENXIO
        assert lab.klog() == [f"device-mapper: ioctl: Unable to rename non-existent device, nosuchdev to {target}"]


def test_rename_to_existing_name_is_busy(lab):
    lab.create("a", "0 10 zero")
    lab.create("b", "0 10 zero")
    with pytest.raises(DMError) as info:
        lab.engine.dm.dev_rename("a", "b")
    assert info.value.errno == EBUSY
    assert lab.md("a").event_nr == 0


def test_create_existing_name_is_busy(lab):
    lab.create("z2", "0 100 zero")
    with pytest.raises(DMError) as info:
        lab.engine.dm.dev_create("z2")
    assert info.value.errno == EBUSY


def test_minors_are_reused_lowest_first(lab):
    for name in ("a", "b", "c"):
        lab.create(name, "0 10 zero")
    assert [lab.md(n).minor for n in ("a", "b", "c")] == [0, 1, 2]
    lab.engine.dm.dev_remove("b")
    lab.engine.dm.dev_remove("a")
    lab.create("d", "0 10 zero")
    lab.create("e", "0 10 zero")
    lab.create("f", "0 10 zero")
    assert (lab.md("d").minor, lab.md("e").minor, lab.md("f").minor) == (0, 1, 3)
    assert lab.md("d").devno == "254:0"


def test_wait_finishes_on_an_event(lab):
    lab.create("lin", "0 2048 linear /dev/ram3 0")
    task = lab.engine.spawn(lab.engine.dm.dev_wait("lin", 0), "wait")
    assert not task.finished
    lab.engine.advance(5)
    assert not task.finished
    lab.engine.dm.dev_rename("lin", "lin2")
    lab.engine.pump()
    assert task.finished and task.exception is None
    # waiting on an old event number returns at once
    finished, _ = lab.engine.run(lab.engine.dm.dev_wait("lin2", 0))
    assert finished


def test_wait_on_removed_device_fails(lab):
    lab.create("lin", "0 2048 linear /dev/ram3 0")
    task = lab.engine.spawn(lab.engine.dm.dev_wait("lin", 0), "wait")
    lab.engine.dm.dev_remove("lin")
    lab.engine.pump()
    assert task.finished
    assert isinstance(task.exception, DMError) and task.exception.errno == ENXIO


def test_message_to_target_without_messages(lab):
    lab.create("lin", "0 100 linear /dev/ram0 0")
    lab.klog()
    with pytest.raises(DMError) as info:
        lab.message("lin", "hello")
    assert info.value.errno == EINVAL
    assert lab.klog() == ["device-mapper: ioctl: Target type does not support messages"]
    with pytest.raises(DMError):
        lab.message("lin", "hello", sector=100)
    assert lab.klog() == ["device-mapper: ioctl: Target message sector outside device."]


# ------------------------------------------------------------------ the clock
def test_clock_runs_timers_in_due_order_at_their_time():
    clock = Clock()
    seen = []
    clock.call_later(2.0, lambda: seen.append(("a", clock.now)))
    clock.call_later(1.0, lambda: seen.append(("b", clock.now)))
    clock.call_later(1.0, lambda: seen.append(("c", clock.now)))
    cancelled = clock.call_later(1.5, lambda: seen.append(("x", clock.now)))
    cancelled.cancel()
    clock.advance(0.5)
    assert seen == [] and clock.now == 0.5
    clock.advance(2.5)
    assert seen == [("b", 1.0), ("c", 1.0), ("a", 2.0)]
    assert clock.now == 3.0
    assert clock.pending() == 0


def test_clock_timer_scheduled_by_a_timer_runs_in_the_same_advance():
    clock = Clock()
    seen = []

    def first():
        seen.append(clock.now)
        clock.call_later(0.25, lambda: seen.append(clock.now))

    clock.call_later(0.5, first)
    clock.advance(1.0)
    assert seen == [0.5, 0.75]


def test_jiffies_follow_the_clock():
    clock = Clock()
    clock.advance(2.0)
    assert clock.jiffies == 500
    clock.advance(0.004)
    assert clock.jiffies == 501


def test_engine_run_advances_time_while_a_task_waits(lab):
    from dmconsole.engine.block.bio import Bio
    from dmconsole.engine.core.waits import Completion

    lab.create("d", "0 8192 delay /dev/ram0 0 250")
    read = Completion()
    bio = Bio(Op.READ, 0, 8, memoryview(bytearray(4096)), end_io=lambda _b: read.complete(),
              bdev=lab.dev("/dev/mapper/d"))
    lab.engine.block.submit_bio(bio)
    assert not bio.done

    def wait_for_it():
        yield read.wait("the read")

    finished, _ = lab.engine.run(wait_for_it())
    assert finished and lab.ok(bio)
    assert lab.engine.clock.now == 0.25


# ------------------------------------------------------------------ deferred remove, remove_all
def test_deferred_remove_goes_at_the_last_close_of_a_stacked_table(lab):
    lab.create("low", "0 1024 linear /dev/ram0 0")
    lab.create("top", "0 1024 linear /dev/mapper/low 0")
    lab.engine.dm.dev_remove("low", deferred=True)
    assert lab.md("low").deferred_remove and "low" in lab.engine.dm.devices
    lab.engine.dm.dev_remove("top")
    assert list(lab.engine.dm.devices) == []


def test_deferred_remove_goes_at_a_users_last_close_and_can_be_cancelled(lab):
    lab.create("s", "0 1024 linear /dev/ram1 0")
    dev = lab.dev("/dev/mapper/s")
    dev.opens += 1
    lab.engine.dm.dev_remove("s", deferred=True)
    lab.engine.dm.target_message("s", 0, "@cancel_deferred_remove")
    lab.engine.block.close(dev)
    assert "s" in lab.engine.dm.devices
    dev.opens += 1
    lab.engine.dm.dev_remove("s", deferred=True)
    lab.engine.block.close(dev)
    assert "s" not in lab.engine.dm.devices


def test_remove_all_removes_what_nobody_holds_and_says_what_is_left(lab):
    lab.create("low", "0 1024 linear /dev/ram0 0")
    lab.create("top", "0 1024 linear /dev/mapper/low 0")
    lab.create("held", "0 100 zero")
    lab.md("held").opens += 1
    lab.klog()
    assert lab.engine.dm.remove_all() == 1
    assert list(lab.engine.dm.devices) == ["held"]
    assert lab.klog() == ["device-mapper: ioctl: remove_all left 1 open device(s)"]
