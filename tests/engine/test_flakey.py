"""dm-flakey (6.1): table strings, constructor errors, up/down on the clock, features, data."""

from __future__ import annotations

import pytest

from dmconsole.engine.block.bio import Bio, Flag, Op
from dmconsole.engine.core.errno import EINVAL, ENODEV, DMError

from .conftest import table_rows

FL = "/dev/mapper/fl"
BLOCK = 8  # sectors in a 4 KiB dd block


@pytest.fixture
def fl(lab):
    """The oracle's setup: ram0 filled with a pattern, `fl` always up (flakey.txt)."""
    pattern = b"OLD-pattern-0123456789abcdefghijk" * 16
    for block in range(40):
        lab.engine.block.disks["ram0"].store.write(block * BLOCK, pattern[: 4096].ljust(4096, b"."), BLOCK)
    lab.create("fl", "0 32768 flakey /dev/ram0 0 3600 0")
    return lab


def switch(lab, params: str) -> None:
    lab.reload("fl", f"0 32768 flakey /dev/ram0 0 {params}")
    lab.resume("fl")


def test_always_up(fl):
    assert fl.table("fl") == ["0 32768 flakey 1:0 0 3600 0 0 "]
    assert fl.status("fl") == ["0 32768 flakey "]
    assert fl.ok(fl.read(FL, 0, BLOCK))
    assert fl.ok(fl.write(FL, 1 * BLOCK, b"NEW-WRITE-UP"))
    assert fl.read_bytes(FL, BLOCK)[:16] == b"NEW-WRITE-UP\0\0\0\0"
    assert fl.disk_bytes("ram0", BLOCK)[:12] == b"NEW-WRITE-UP"


def test_always_down_without_features_fails_everything(fl):
    fl.give_disks_a_write_cache()
    switch(fl, "0 3600")
    assert fl.table("fl") == ["0 32768 flakey 1:0 0 0 3600 0 "]
    assert fl.status("fl") == ["0 32768 flakey "]
    assert fl.failed(fl.read(FL, 0, BLOCK))
    before = fl.disk_bytes("ram0", 0)
    assert fl.failed(fl.write(FL, 0, bytes(4096)))
    assert fl.disk_bytes("ram0", 0) == before
    assert fl.failed(fl.submit(FL, Op.FLUSH))
    assert fl.failed(fl.submit(FL, Op.DISCARD, 0, 8))
    assert fl.klog() == []  # nothing is logged for the failures


def test_drop_writes(fl):
    fl.write(FL, 1 * BLOCK, b"NEW-WRITE-UP")
    switch(fl, "0 3600 1 drop_writes")
    assert fl.table("fl") == ["0 32768 flakey 1:0 0 0 3600 1 drop_writes "]
    assert fl.status("fl") == ["0 32768 flakey "]
    before = fl.disk_bytes("ram0", 2 * BLOCK, BLOCK)
    bio = fl.write(FL, 2 * BLOCK, b"DROPPED-WRITE")
    assert fl.ok(bio)
    assert fl.disk_bytes("ram0", 2 * BLOCK, BLOCK) == before
    assert fl.read_bytes(FL, 2 * BLOCK, BLOCK) == before
    assert fl.read_bytes(FL, 1 * BLOCK)[:12] == b"NEW-WRITE-UP"
    assert fl.ok(fl.submit(FL, Op.FLUSH))


def test_error_writes(fl):
    switch(fl, "0 3600 1 error_writes")
    assert fl.table("fl") == ["0 32768 flakey 1:0 0 0 3600 1 error_writes "]
    before = fl.disk_bytes("ram0", 3 * BLOCK, BLOCK)
    assert fl.failed(fl.write(FL, 3 * BLOCK, b"ERRORED-WRITE"))
    assert fl.disk_bytes("ram0", 3 * BLOCK, BLOCK) == before
    assert fl.read_bytes(FL, 3 * BLOCK, BLOCK) == before


def test_corrupt_reads(fl):
    fl.write(FL, 1 * BLOCK, b"NEW-WRITE-UP")
    switch(fl, "0 3600 5 corrupt_bio_byte 1 r 65 0")
    assert fl.table("fl") == ["0 32768 flakey 1:0 0 0 3600 5 corrupt_bio_byte 1 r 65 0 "]
    assert fl.read_bytes(FL, 1 * BLOCK, BLOCK)[:16] == b"AEW-WRITE-UP\0\0\0\0"
    assert fl.disk_bytes("ram0", 1 * BLOCK)[:12] == b"NEW-WRITE-UP"
    # writes go through, untouched
    assert fl.ok(fl.write(FL, 20 * BLOCK, b"written while down"))
    assert fl.disk_bytes("ram0", 20 * BLOCK)[:18] == b"written while down"


def test_corrupt_reads_byte_past_the_bio_does_nothing(fl):
    fl.write(FL, 0, b"abc")
    switch(fl, "0 3600 5 corrupt_bio_byte 513 r 88 0")
    assert fl.read_bytes(FL, 0, 1)[:3] == b"abc"
    assert fl.read_bytes(FL, 0, 2)[512] == 88


def test_corrupt_writes(fl):
    switch(fl, "0 3600 5 corrupt_bio_byte 3 w 90 0")
    assert fl.table("fl") == ["0 32768 flakey 1:0 0 0 3600 5 corrupt_bio_byte 3 w 90 0 "]
    bio = fl.write(FL, 4 * BLOCK, b"abcdefgh")
    assert fl.ok(bio)
    assert fl.disk_bytes("ram0", 4 * BLOCK)[:8] == b"abZdefgh"
    assert bytes(bio.data[:8]) == b"abcdefgh"  # the submitter's buffer is left alone
    # reads while down are neither failed nor corrupted with a `w` corruption
    assert fl.read_bytes(FL, 4 * BLOCK)[:8] == b"abZdefgh"


def test_feature_combination_table(fl):
    fl.reload("fl", "0 32768 flakey /dev/ram0 0 0 3600 6 drop_writes corrupt_bio_byte 1 r 66 0")
    assert fl.table("fl", inactive=True) == ["0 32768 flakey 1:0 0 0 3600 6 drop_writes corrupt_bio_byte 1 r 66 0 "]
    fl.reload("fl", "0 32768 flakey /dev/ram0 7 1 2 6 ERROR_WRITES Corrupt_Bio_Byte 9 R 0 4096")
    assert fl.table("fl", inactive=True) == [
        "0 32768 flakey 1:0 7 1 2 6 error_writes corrupt_bio_byte 9 r 0 4096 "
    ]
    fl.reload("fl", "0 32768 flakey /dev/ram0 0 1 2 0")
    assert fl.table("fl", inactive=True) == ["0 32768 flakey 1:0 0 1 2 0 "]


def test_corrupt_flags_mask_uses_the_kernel_bi_opf(fl):
    fl.give_disks_a_write_cache()
    fl.write(FL, 0, b"meta")
    switch(fl, f"0 3600 5 corrupt_bio_byte 1 r 77 {Flag.META}")
    plain = fl.read(FL, 0)
    assert fl.ok(plain) and bytes(plain.data[:4]) == b"meta"  # mapped, not failed, not corrupted
    meta = fl.read(FL, 0, flags=Flag.META)
    assert fl.ok(meta) and bytes(meta.data[:4]) == b"Meta"
    switch(fl, f"0 3600 5 corrupt_bio_byte 1 w 120 {Flag.FUA | 1}")
    fl.write(FL, 8, b"plain")
    fl.write(FL, 16, b"forced", Flag.FUA)
    assert fl.disk_bytes("ram0", 8)[:5] == b"plain"
    assert fl.disk_bytes("ram0", 16)[:6] == b"xorced"


def test_kernel_opf():
    assert Bio(Op.READ, 0, 1).opf == 0
    assert Bio(Op.WRITE, 0, 1, None, Flag.FUA).opf == 1 | Flag.FUA
    assert Bio(Op.FLUSH, 0, 0).opf == 1 | Flag.PREFLUSH
    assert Bio(Op.DISCARD, 0, 8).opf == 3


def test_up_down_cycle_on_the_clock(lab):
    lab.engine.advance(0.25)  # the interval counts from the table load
    lab.create("fl", "0 32768 flakey /dev/ram0 0 2 2")
    lab.engine.advance(5)
    seen = []
    start = 0.25
    for _ in range(12):
        now = lab.engine.clock.now
        bio = lab.read(FL, 0)
        seen.append((round(now - start, 3), "up" if lab.ok(bio) else "DOWN"))
        lab.engine.advance(0.5)
    assert seen == [
        (5.0, "up"), (5.5, "up"), (6.0, "DOWN"), (6.5, "DOWN"), (7.0, "DOWN"), (7.5, "DOWN"),
        (8.0, "up"), (8.5, "up"), (9.0, "up"), (9.5, "up"), (10.0, "DOWN"), (10.5, "DOWN"),
    ]


def test_state_changes_on_whole_seconds_of_jiffies(lab):
    lab.create("fl", "0 32768 flakey /dev/ram0 0 1 1")
    lab.engine.advance(255 / 256)  # jiffy 249
    assert lab.ok(lab.read(FL, 0))
    assert lab.engine.make_view().device("fl").live[0].detail.up is True
    lab.engine.advance(1 / 256)  # jiffy 250
    assert lab.failed(lab.read(FL, 0))
    view = lab.engine.make_view().device("fl").live[0].detail
    assert view.up is False and view.seconds_to_change == 1
    lab.engine.advance(1)
    assert lab.ok(lab.read(FL, 0))


def test_reload_restarts_the_interval(lab):
    lab.create("fl", "0 32768 flakey /dev/ram0 0 1 100")
    lab.engine.advance(1)
    assert lab.failed(lab.read(FL, 0))
    switch(lab, "1 100")
    assert lab.ok(lab.read(FL, 0))


def test_offset_is_applied(lab):
    lab.create("fl", "0 1000 flakey /dev/ram1 500 10 0")
    lab.write(FL, 3, b"offset")
    assert lab.disk_bytes("ram1", 503)[:6] == b"offset"


def ctr_error(lab, params: str, minor: int = 0) -> tuple[int, str]:
    lab.engine.dm.dev_create("fbad")
    with pytest.raises(DMError) as info:
        lab.engine.dm.table_load("fbad", table_rows(f"0 32768 flakey {params}"))
    lab.engine.dm.dev_remove("fbad")
    log = lab.klog()
    assert log[-1] == "device-mapper: ioctl: error adding target to table"
    prefix = f"device-mapper: table: 254:{minor}: flakey: "
    assert log[-2].startswith(prefix)
    return info.value.errno, log[-2][len(prefix):]


@pytest.mark.parametrize(
    "params, reason",
    [
        # the five refusals in flakey.txt
        ("/dev/ram0 0 0 0", "Total (up + down) interval is zero"),
        ("/dev/ram0 0 1 1 1 frobnicate", "Unrecognised flakey feature requested"),
        ("/dev/ram0 0 1 1 4 corrupt_bio_byte 1 r 65", "Invalid corrupt bio flags mask"),
        ("/dev/ram0 0 1", "Invalid argument count"),
        ("/dev/ram0 0 1 1 1 random_read_corrupt", "Unrecognised flakey feature requested"),
        ("/dev/ram0 0 0 3600 2 drop_writes error_writes", "Feature error_writes conflicts with feature drop_writes"),
        # the rest of flakey_ctr / parse_features
        ("/dev/ram0 0 0 3600 2 error_writes drop_writes", "Feature drop_writes conflicts with feature error_writes"),
        ("/dev/ram0 0 0 3600 2 drop_writes drop_writes", "Feature drop_writes duplicated"),
        ("/dev/ram0 0 0 3600 2 error_writes error_writes", "Feature error_writes duplicated"),
        ("/dev/ram0 0 1 1 1 error_reads", "Unrecognised flakey feature requested"),
        ("/dev/ram0 0 1 1 2 random_write_corrupt 5", "Unrecognised flakey feature requested"),
        ("/dev/ram0 x 1 1", "Invalid device sector"),
        ("/dev/ram0 0 up 1", "Invalid up interval"),
        ("/dev/ram0 0 -1 1", "Invalid up interval"),
        ("/dev/ram0 0 1 down", "Invalid up interval"),  # 6.1 reads the down interval with the up interval's arg
        ("/dev/ram0 0 4294967295 1", "Total (up + down) interval is zero"),
        ("/dev/ram0 0 4294967295 2", "Interval overflow"),
        ("/dev/ram0 0 1 1 7 drop_writes", "Invalid number of feature args"),
        ("/dev/ram0 0 1 1 2 drop_writes", "Invalid number of feature args"),
        ("/dev/ram0 0 1 1 x", "Invalid number of feature args"),
        ("/dev/ram0 0 1 1 1 corrupt_bio_byte", "Feature corrupt_bio_byte requires parameters"),
        ("/dev/ram0 0 1 1 5 corrupt_bio_byte 0 r 1 0", "Invalid corrupt bio byte"),
        ("/dev/ram0 0 1 1 5 corrupt_bio_byte x r 1 0", "Invalid corrupt bio byte"),
        ("/dev/ram0 0 1 1 5 corrupt_bio_byte 1 x 1 0", "Invalid corrupt bio direction (r or w)"),
        ("/dev/ram0 0 1 1 2 corrupt_bio_byte 1", "Invalid corrupt bio direction (r or w)"),
        ("/dev/ram0 0 1 1 5 corrupt_bio_byte 1 r 256 0", "Invalid corrupt value to write into bio byte (0-255)"),
        ("/dev/ram0 0 1 1 5 corrupt_bio_byte 1 r 1 -1", "Invalid corrupt bio flags mask"),
        ("/dev/ram0 0 1 1 2 corrupt_bio_byte 1 r 1 0", "Insufficient feature arguments"),
        (
            "/dev/ram0 0 1 1 6 drop_writes corrupt_bio_byte 1 w 1 0",
            "drop_writes is incompatible with corrupt_bio_byte with the WRITE flag set",
        ),
        (
            "/dev/ram0 0 1 1 6 corrupt_bio_byte 1 w 1 0 error_writes",
            "error_writes is incompatible with corrupt_bio_byte with the WRITE flag set",
        ),
    ],
)
def test_constructor_errors(lab, params, reason):
    err, got = ctr_error(lab, params)
    assert (err, got) == (EINVAL, f"{reason} (-EINVAL)")


def test_device_lookup_is_checked_after_the_features(lab):
    err, got = ctr_error(lab, "/dev/nosuch 0 1 1 1 drop_writes")
    assert (err, got) == (ENODEV, "Device lookup failed (-ENODEV)")
    _, got = ctr_error(lab, "/dev/nosuch 0 1 1 1 bogus")
    assert got == "Unrecognised flakey feature requested (-EINVAL)"


def test_words_after_the_features_are_ignored(lab):
    lab.create("fl", "0 100 flakey /dev/ram0 0 1 1 1 drop_writes trailing words")
    assert lab.table("fl") == ["0 100 flakey 1:0 0 1 1 1 drop_writes "]


def test_too_small_device_is_found_at_resume(lab):
    lab.create("fl", "0 100 flakey /dev/ram0 0 1 0")
    lab.reload("fl", "0 32768 flakey /dev/ram0 1 1 0")
    with pytest.raises(DMError):
        lab.engine.run(lab.engine.dm.dev_resume("fl"))
    assert lab.klog()[-1] == (
        "device-mapper: table: 254:0: ram0 too small for target: start=1, len=32768, dev_size=32768"
    )
