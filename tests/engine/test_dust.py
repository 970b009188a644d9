"""dm-dust: the oracle transcript (dust.txt) replayed on the engine, plus the kernel's corner cases."""

from __future__ import annotations

import pytest

from dmconsole.engine.block.bio import Op
from dmconsole.engine.core.errno import EINVAL, DMError

from .conftest import Lab, table_rows

D1 = "/dev/mapper/dust1"
D4 = "/dev/mapper/dust4"
P = "device-mapper: dust: "


@pytest.fixture
def dust():
    """dust.txt's setup: one 8 MiB ram disk full of data, dust1 (512-byte blocks), dust4 (4096)."""
    lab = Lab(ram_kib=8192, disks=1)
    for sector in range(0, 16384, 128):
        lab.engine.block.disks["ram0"].store.write(sector, bytes([65 + sector % 26]) * 65536, 128)
    lab.create("dust1", "0 16384 dust /dev/ram0 0 512")
    lab.create("dust4", "0 16384 dust /dev/ram0 0 4096")
    lab.klog()
    return lab


def msg(lab, text: str, name: str = "dust1"):
    return lab.message(name, text)


def msg_fails(lab, text: str, name: str = "dust1") -> None:
    with pytest.raises(DMError) as info:
        lab.message(name, text)
    assert info.value.errno == EINVAL


def test_tables_and_status(dust):
    assert dust.table("dust1") == ["0 16384 dust 1:0 0 512"]
    assert dust.status("dust1") == ["0 16384 dust 1:0 bypass verbose"]
    assert dust.table("dust4") == ["0 16384 dust 1:0 0 4096"]
    assert dust.status("dust4") == ["0 16384 dust 1:0 bypass verbose"]


@pytest.mark.parametrize(
    "params, reason",
    [
        ("/dev/ram0 0 1000", "Block size must be a power of 2"),
        ("/dev/ram0 0 256", "Block size must be at least 512"),
        ("/dev/ram0 0", "Invalid argument count"),
        ("/dev/ram0 0 512 extra", "Invalid argument count"),
        ("/dev/ram0 0 abc", "Invalid block size parameter"),
        ("/dev/ram0 0 0", "Invalid block size parameter"),
        ("/dev/ram0 0 4294967296", "Invalid block size parameter"),
        ("/dev/ram0 x 512", "Invalid device offset sector"),
        ("/dev/ram0 -8 512", "Invalid device offset sector"),
        ("/dev/nosuch 0 512", "Device lookup failed"),  # dust returns -EINVAL, not the lookup's errno
    ],
)
def test_constructor_errors(dust, params, reason):
    dust.engine.dm.dev_create("dbad")
    with pytest.raises(DMError) as info:
        dust.engine.dm.table_load("dbad", table_rows(f"0 16384 dust {params}"))
    assert info.value.errno == EINVAL
    assert dust.klog() == [
        f"device-mapper: table: 254:2: dust: {reason} (-EINVAL)",
        "device-mapper: ioctl: error adding target to table",
    ]


def test_block_size_limits(dust):
    dust.create("ok", "0 16 dust /dev/ram0 0 +8192")  # kstrtouint takes a '+'
    assert dust.table("ok") == ["0 16 dust 1:0 0 8192"]
    dust.engine.dm.dev_create("big")
    with pytest.raises(DMError):
        dust.engine.dm.table_load("big", table_rows("0 8 dust /dev/ram0 0 8192"))
    assert dust.klog()[0] == "device-mapper: table: 254:3: dust: Block size is too large (-EINVAL)"


def test_bad_block_list_messages(dust):
    assert msg(dust, "countbadblocks") == "countbadblocks: 0 badblock(s) found"
    assert msg(dust, "listbadblocks") == "No blocks in badblocklist"
    for block in (60, 67, 72):
        assert msg(dust, f"addbadblock {block}") is None
    msg_fails(dust, "addbadblock 60")
    assert msg(dust, "addbadblock 16384") is None  # one past the last block: accepted (kernel off-by-one)
    assert msg(dust, "addbadblock 16383") is None
    assert msg(dust, "countbadblocks") == "countbadblocks: 5 badblock(s) found"
    assert msg(dust, "listbadblocks") == "60\n67\n72\n16383\n16384"
    assert msg(dust, "queryblock 67") == "dust_query_block: block 67 found in badblocklist"
    assert msg(dust, "queryblock 68") == "dust_query_block: block 68 not found in badblocklist"
    assert msg(dust, "removebadblock 16383") is None
    msg_fails(dust, "removebadblock 16383")
    assert msg(dust, "listbadblocks") == "60\n67\n72\n16384"
    assert dust.klog() == [
        P + "dust_add_block: badblock added at block 60 with write fail count 0",
        P + "dust_add_block: badblock added at block 67 with write fail count 0",
        P + "dust_add_block: badblock added at block 72 with write fail count 0",
        P + "dust_add_block: block 60 already in badblocklist",
        P + "dust_add_block: badblock added at block 16384 with write fail count 0",
        P + "dust_add_block: badblock added at block 16383 with write fail count 0",
        P + "dust_remove_block: badblock removed at block 16383",
        P + "dust_remove_block: block 16383 not found in badblocklist",
    ]


def test_block_range_and_bad_numbers(dust):
    msg_fails(dust, "addbadblock 16385")
    msg_fails(dust, "queryblock 16385")
    assert dust.klog() == [P + "selected block value out of range"] * 2
    msg_fails(dust, "addbadblock xyz")
    msg_fails(dust, "addbadblock -1")
    msg_fails(dust, "addbadblock 5 x")
    msg_fails(dust, "frobnicate 5x")
    assert dust.klog() == []  # a number sscanf refuses: -EINVAL without a word
    msg_fails(dust, "frobnicate 5")
    msg_fails(dust, "removebadblock 5 1")
    assert dust.klog() == [
        P + "unrecognized message 'frobnicate' received",
        P + "unrecognized message 'removebadblock' received",
    ]
    assert msg(dust, "listbadblocks") == "No blocks in badblocklist"


def read_ok(lab, path, sector, nr=1) -> bool:
    bio = lab.read(path, sector, nr)
    assert bio.done
    return bio.status == 0


def test_reads_bypass_then_enabled(dust):
    for block in (60, 67, 72):
        msg(dust, f"addbadblock {block}")
    dust.klog()
    assert read_ok(dust, D1, 60)
    assert msg(dust, "enable") is None
    assert dust.status("dust1") == ["0 16384 dust 1:0 fail_read_on_bad_block verbose"]
    assert not read_ok(dust, D1, 60)
    assert read_ok(dust, D1, 61)
    assert not read_ok(dust, D1, 64, 8)  # one 4 KiB read covering block 67
    assert [read_ok(dust, D1, s) for s in range(64, 72)] == [True, True, True, False, True, True, True, True]
    assert read_ok(dust, D1, 64, 3)
    assert dust.klog() == [P + "enabling read failures on bad sectors"]
    # the data of a good read is the device's
    assert dust.read_bytes(D1, 61) == dust.disk_bytes("ram0", 61)


def test_a_write_removes_a_bad_block(dust):
    for block in (60, 67, 72):
        msg(dust, f"addbadblock {block}")
    msg(dust, "enable")
    dust.klog()
    bio = dust.write(D1, 67, b"fresh data for 67")
    assert dust.ok(bio)
    assert msg(dust, "listbadblocks") == "60\n72"
    assert dust.read_bytes(D1, 67)[:17] == b"fresh data for 67"
    assert dust.disk_bytes("ram0", 67)[:17] == b"fresh data for 67"
    assert msg(dust, "countbadblocks") == "countbadblocks: 2 badblock(s) found"
    assert dust.klog() == [P + "block 67 removed from badblocklist by write"]


def test_write_fail_count(dust):
    msg(dust, "enable")
    assert msg(dust, "addbadblock 100 2") is None
    before = dust.disk_bytes("ram0", 100)
    assert dust.failed(dust.write(D1, 100, bytes(512)))
    assert dust.failed(dust.write(D1, 100, bytes(512)))
    assert dust.disk_bytes("ram0", 100) == before
    assert dust.ok(dust.write(D1, 100, bytes(512)))
    assert dust.disk_bytes("ram0", 100) == bytes(512)
    assert msg(dust, "queryblock 100") == "dust_query_block: block 100 not found in badblocklist"
    msg_fails(dust, "addbadblock 101 256")
    assert msg(dust, "addbadblock 101 255") is None
    assert dust.klog() == [
        P + "enabling read failures on bad sectors",
        P + "dust_add_block: badblock added at block 100 with write fail count 2",
        P + "block 100 removed from badblocklist by write",
        P + "selected write fail count out of range",
        P + "dust_add_block: badblock added at block 101 with write fail count 255",
    ]


def test_writes_in_bypass_leave_the_list_alone(dust):
    msg(dust, "addbadblock 5 1")
    assert dust.ok(dust.write(D1, 5, b"x"))
    assert msg(dust, "listbadblocks") == "5"


def test_a_write_over_several_blocks_is_checked_block_by_block(dust):
    msg(dust, "addbadblock 10")
    msg(dust, "addbadblock 12 1")
    msg(dust, "enable")
    bio = dust.write(D1, 8, b"Z" * 4096)
    assert dust.failed(bio)  # block 12 fails the write ...
    assert msg(dust, "listbadblocks") == "12"  # ... block 10 was still cleared
    assert dust.disk_bytes("ram0", 10)[:1] == b"Z" and dust.disk_bytes("ram0", 12)[:1] != b"Z"
    assert dust.ok(dust.write(D1, 8, b"Z" * 4096))
    assert msg(dust, "listbadblocks") == "No blocks in badblocklist"


def test_quiet_disable_clear(dust):
    msg(dust, "enable")
    dust.klog()
    assert msg(dust, "quiet") is None
    assert dust.status("dust1") == ["0 16384 dust 1:0 fail_read_on_bad_block quiet"]
    assert msg(dust, "addbadblock 200") is None
    msg_fails(dust, "addbadblock 200")
    msg_fails(dust, "removebadblock 201")
    assert not read_ok(dust, D1, 200)
    assert dust.klog() == []
    msg(dust, "quiet")
    assert dust.status("dust1") == ["0 16384 dust 1:0 fail_read_on_bad_block verbose"]
    assert msg(dust, "disable") is None
    assert dust.status("dust1") == ["0 16384 dust 1:0 bypass verbose"]
    assert read_ok(dust, D1, 200)
    assert msg(dust, "clearbadblocks") == "dust_clear_badblocks: badblocks cleared"
    assert msg(dust, "clearbadblocks") == "dust_clear_badblocks: no badblocks found"
    assert msg(dust, "countbadblocks") == "countbadblocks: 0 badblock(s) found"
    assert msg(dust, "listbadblocks") == "No blocks in badblocklist"
    assert dust.klog() == [P + "disabling read failures on bad sectors"]


def test_quiet_hides_the_removed_by_write_line(dust):
    msg(dust, "addbadblock 7")
    msg(dust, "enable")
    msg(dust, "quiet")
    dust.klog()
    assert dust.ok(dust.write(D1, 7, b"q"))
    assert msg(dust, "countbadblocks") == "countbadblocks: 0 badblock(s) found"
    assert dust.klog() == []


def test_4096_byte_blocks(dust):
    assert msg(dust, "addbadblock 3", "dust4") is None
    assert msg(dust, "enable", "dust4") is None
    assert not read_ok(dust, D4, 24)
    assert not read_ok(dust, D4, 31)
    assert read_ok(dust, D4, 32)
    assert read_ok(dust, D4, 23)
    assert msg(dust, "addbadblock 2048", "dust4") is None
    assert msg(dust, "addbadblock 2047", "dust4") is None
    msg_fails(dust, "addbadblock 2049", "dust4")
    assert msg(dust, "listbadblocks", "dust4") == "3\n2047\n2048"
    assert dust.klog() == [
        P + "dust_add_block: badblock added at block 3 with write fail count 0",
        P + "enabling read failures on bad sectors",
        P + "dust_add_block: badblock added at block 2048 with write fail count 0",
        P + "dust_add_block: badblock added at block 2047 with write fail count 0",
        P + "selected block value out of range",
    ]
    # dust1 shares the disk but not the list
    assert msg(dust, "countbadblocks") == "countbadblocks: 0 badblock(s) found"


def test_removed_by_write_line_divides_the_block_again(dust):
    msg(dust, "addbadblock 3", "dust4")
    msg(dust, "addbadblock 17", "dust4")
    msg(dust, "enable", "dust4")
    dust.klog()
    assert dust.ok(dust.write(D4, 24, b"w"))
    assert dust.ok(dust.write(D4, 17 * 8 + 5, b"w"))
    assert msg(dust, "listbadblocks", "dust4") == "No blocks in badblocklist"
    # __dust_map_write() logs block / sectors_per_block: 3 / 8 = 0, 17 / 8 = 2
    assert dust.klog() == [
        P + "block 0 removed from badblocklist by write",
        P + "block 2 removed from badblocklist by write",
    ]


def test_bad_messages(dust):
    msg_fails(dust, "addbadblock")
    msg_fails(dust, "frobnicate")
    msg_fails(dust, "addbadblock 1 2 3")
    msg_fails(dust, "addbadblock xyz")
    msg_fails(dust, "queryblock")
    assert dust.klog() == [
        P + "addbadblock requires an additional argument",
        P + "unrecognized message 'frobnicate' received",
        P + "invalid number of arguments '4'",
        P + "queryblock requires an additional argument",
    ]


def test_messages_are_case_insensitive(dust):
    assert msg(dust, "AddBadBlock 9") is None
    assert msg(dust, "ENABLE") is None
    assert msg(dust, "QueryBlock 9") == "dust_query_block: block 9 found in badblocklist"
    assert msg(dust, "CountBadBlocks") == "countbadblocks: 1 badblock(s) found"
    msg_fails(dust, "ADDBADBLOCK")
    assert dust.klog()[-1] == P + "ADDBADBLOCK requires an additional argument"


def test_offset_shifts_blocks_to_device_sectors(dust):
    # offset 8 with 4 KiB blocks: target sectors 0..7 are device sectors 8..15, block 1
    dust.create("doff", "0 1024 dust /dev/ram0 8 4096")
    msg(dust, "addbadblock 1", "doff")
    msg(dust, "enable", "doff")
    assert not read_ok(dust, "/dev/mapper/doff", 0)
    assert not read_ok(dust, "/dev/mapper/doff", 7)
    assert read_ok(dust, "/dev/mapper/doff", 8)
    assert dust.read_bytes("/dev/mapper/doff", 8) == dust.disk_bytes("ram0", 16)
    # the range check uses the whole underlying device (16384 sectors = 2048 blocks), not the target
    assert msg(dust, "addbadblock 2048", "doff") is None


def test_reload_starts_with_an_empty_list(dust):
    msg(dust, "addbadblock 1")
    msg(dust, "enable")
    dust.reload("dust1", "0 16384 dust /dev/ram0 0 512")
    assert msg(dust, "countbadblocks") == "countbadblocks: 1 badblock(s) found"  # live table until resume
    dust.resume("dust1")
    assert msg(dust, "countbadblocks") == "countbadblocks: 0 badblock(s) found"
    assert dust.status("dust1") == ["0 16384 dust 1:0 bypass verbose"]


def test_discard_only_checks_its_first_block(dust):
    msg(dust, "addbadblock 2 1")
    msg(dust, "addbadblock 5 1")
    msg(dust, "enable")
    assert dust.ok(dust.submit(D1, Op.DISCARD, 4, 4))  # starts at 4: block 5 is not looked at
    assert dust.failed(dust.submit(D1, Op.DISCARD, 2, 4))
    assert msg(dust, "listbadblocks") == "2\n5"


def test_family_view(dust):
    from dmconsole.engine.targets.dust import DustView

    msg(dust, "addbadblock 9")
    msg(dust, "addbadblock 4")
    msg(dust, "quiet")
    target = dust.engine.make_view().device("dust1").live[0]
    assert target.detail == DustView(dust.md("dust1").live.targets[0].dev.devno, 0, target.length, 512, (4, 9), 2,
                                     False, True)


def test_the_view_caps_the_block_list(dust):
    for block in range(1200):
        msg(dust, f"addbadblock {block}")
    view = dust.engine.make_view().device("dust1").live[0].detail
    assert len(view.bad_blocks) == 1000 and view.bad_block_count == 1200
    assert view.bad_blocks[-1] == 999


def test_message_specs_are_the_targets_own():
    from dmconsole.engine.dm.target import takes_messages, target_type

    dust_type = target_type("dust")
    assert {spec.name for spec in dust_type.messages} == {
        "addbadblock", "removebadblock", "queryblock", "countbadblocks", "clearbadblocks",
        "listbadblocks", "enable", "disable", "quiet",
    }
    add = next(spec for spec in dust_type.messages if spec.name == "addbadblock")
    assert add.usage == "BLOCK [WRITE_FAIL_COUNT]" and (add.min_args, add.max_args) == (1, 2)
    assert takes_messages(dust_type)
    assert target_type("delay").messages == () and not takes_messages(target_type("delay"))


def test_an_empty_flush_is_mapped_as_a_write_at_the_offset(dust):
    dust.give_disks_a_write_cache()
    # dust_map() has no special case for flushes: the empty flush bio carries sector 0,
    # so with the target at the start of the table it is checked as a write to block
    # (offset >> shift), here block 0.
    msg(dust, "addbadblock 0 1")
    msg(dust, "enable")
    dust.klog()
    assert dust.failed(dust.submit(D1, Op.FLUSH))
    assert dust.ok(dust.submit(D1, Op.FLUSH))
    assert msg(dust, "countbadblocks") == "countbadblocks: 0 badblock(s) found"
    assert dust.klog() == [P + "block 0 removed from badblocklist by write"]
