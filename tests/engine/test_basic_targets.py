"""linear, striped, zero and error, against linear.txt from the oracle."""

from __future__ import annotations

import hashlib

import pytest

from dmconsole.engine.block.bio import Op
from dmconsole.engine.core.errno import DMError

from .conftest import table_rows


def test_linear_two_segments(lab):
    lab.create("lin", "0 8192 linear /dev/ram0 0\n8192 8192 linear /dev/ram1 2048")
    assert lab.table("lin") == ["0 8192 linear 1:0 0", "8192 8192 linear 1:1 2048"]
    assert lab.status("lin") == ["0 8192 linear ", "8192 8192 linear "]
    md = lab.md("lin")
    assert (md.size_sectors, md.devno, md.read_ahead, md.event_nr) == (16384, "254:0", 256, 0)
    assert lab.engine.make_view().device("lin").deps == ("1:0", "1:1")


def test_linear_data_lands_where_the_table_says(lab):
    lab.create("lin", "0 8192 linear /dev/ram0 0\n8192 8192 linear /dev/ram1 2048")
    assert lab.ok(lab.write("/dev/mapper/lin", 8192, b"hello-seg2"))
    assert lab.disk_bytes("ram1", 2048)[:10] == b"hello-seg2"
    # a bio across the boundary is split between the two disks
    payload = bytes(range(256)) * 4
    assert lab.ok(lab.write("/dev/mapper/lin", 8191, payload))
    assert lab.disk_bytes("ram0", 8191) == payload[:512]
    assert lab.disk_bytes("ram1", 2048) == payload[512:]
    assert lab.read_bytes("/dev/mapper/lin", 8191, 2) == payload


@pytest.mark.parametrize(
    "params, reason, errno",
    [
        ("/dev/ram0", "Invalid argument count (-EINVAL)", 22),
        ("/dev/ram0 0 extra", "Invalid argument count (-EINVAL)", 22),
        ("/dev/ram0 abc", "Invalid device sector (-EINVAL)", 22),
        ("/dev/ram0 -5", "Invalid device sector (-EINVAL)", 22),
        ("/dev/nosuch 0", "Device lookup failed (-ENODEV)", 19),
    ],
)
def test_linear_constructor_errors(lab, params, reason, errno):
    lab.engine.dm.dev_create("l")
    with pytest.raises(DMError) as info:
        lab.engine.dm.table_load("l", table_rows(f"0 100 linear {params}"))
    assert info.value.errno == errno
    assert lab.klog()[0] == f"device-mapper: table: 254:0: linear: {reason}"


def test_striped_table_status_and_layout(lab):
    lab.create("str", "0 16384 striped 2 128 /dev/ram2 0 /dev/ram3 0")
    assert lab.table("str") == ["0 16384 striped 2 128 1:2 0 1:3 0"]
    assert lab.status("str") == ["0 16384 striped 2 1:2 1:3 1 AA"]
    assert lab.md("str").read_ahead == 512
    assert lab.ok(lab.write("/dev/mapper/str", 128, b"chunk1"))
    assert lab.disk_bytes("ram3", 0)[:6] == b"chunk1"
    assert lab.ok(lab.write("/dev/mapper/str", 256 + 5, b"chunk2"))
    assert lab.disk_bytes("ram2", 128 + 5)[:6] == b"chunk2"
    payload = b"".join(bytes([i]) * 512 for i in range(1, 5))
    assert lab.ok(lab.write("/dev/mapper/str", 126, payload))  # spans chunks 0 and 1
    assert lab.disk_bytes("ram2", 126, 2) == payload[:1024]
    assert lab.disk_bytes("ram3", 0, 2) == payload[1024:]
    assert lab.read_bytes("/dev/mapper/str", 126, 4) == payload


@pytest.mark.parametrize(
    "table, reason",
    [
        ("0 1000 striped 2 128 /dev/ram2 0 /dev/ram3 0", "Target length not divisible by chunk size"),
        ("0 16384 striped 2 100 /dev/ram2 0 /dev/ram3 0", "Target length not divisible by chunk size"),
        ("0 16384 striped 3 128 /dev/ram2 0 /dev/ram3 0", "Target length not divisible by number of stripes"),
        ("0 256 striped 2 128 /dev/ram0 0", "Not enough destinations specified"),
        ("0 256 striped 0 128", "Invalid stripe count"),
        ("0 256 striped 2 0 /dev/ram0 0 /dev/ram1 0", "Invalid chunk_size"),
    ],
)
def test_striped_bad_tables(lab, table, reason):
    lab.engine.dm.dev_create("bad")
    with pytest.raises(DMError):
        lab.engine.dm.table_load("bad", table_rows(table))
    assert lab.klog() == [
        f"device-mapper: table: 254:0: striped: {reason} (-EINVAL)",
        "device-mapper: ioctl: error adding target to table",
    ]


def test_striped_counts_errors_per_leg_and_raises_events(lab):
    lab.create("str", "0 16384 striped 2 128 /dev/ram2 0 /dev/ram3 0")
    lab.engine.block.disks["ram3"].faults.failed = True
    assert lab.failed(lab.read("/dev/mapper/str", 128))
    assert lab.ok(lab.read("/dev/mapper/str", 0))
    assert lab.status("str") == ["0 16384 striped 2 1:2 1:3 1 AD"]
    assert lab.md("str").event_nr == 1


def test_zero(lab):
    lab.create("z", "0 4096 zero")
    assert lab.table("z") == ["0 4096 zero "]
    assert lab.status("z") == ["0 4096 zero "]
    assert lab.ok(lab.write("/dev/mapper/z", 0, b"vanishes" * 512))
    data = lab.read_bytes("/dev/mapper/z", 0, 4096)
    assert hashlib.md5(data).hexdigest() == "b2d1236c286a3c0704224fe4105eca49"  # linear.txt
    assert lab.ok(lab.submit("/dev/mapper/z", Op.DISCARD, 0, 8))
    lab.engine.dm.dev_create("z1")
    with pytest.raises(DMError):
        lab.engine.dm.table_load("z1", table_rows("0 100 zero extra"))
    assert "zero: No arguments required (-EINVAL)" in lab.klog()[0]


def test_error(lab):
    lab.create("e", "0 4096 error")
    assert lab.table("e") == ["0 4096 error "]
    assert lab.status("e") == ["0 4096 error "]
    assert lab.failed(lab.read("/dev/mapper/e", 0, 8))
    assert lab.failed(lab.write("/dev/mapper/e", 0, bytes(4096)))
    assert lab.failed(lab.submit("/dev/mapper/e", Op.DISCARD, 0, 8))
    assert lab.ok(lab.submit("/dev/mapper/e", Op.FLUSH))


def test_mixed_table(lab):
    lab.create("mix", "0 2048 linear /dev/ram0 0\n2048 2048 zero\n4096 2048 error")
    assert lab.table("mix") == ["0 2048 linear 1:0 0", "2048 2048 zero ", "4096 2048 error "]
    assert lab.status("mix") == ["0 2048 linear ", "2048 2048 zero ", "4096 2048 error "]
    assert lab.ok(lab.read("/dev/mapper/mix", 2048, 2048))
    assert lab.failed(lab.read("/dev/mapper/mix", 4095, 2))
    # dm-error gets no empty flushes (num_flush_bios = 0): a flush of the table succeeds
    assert lab.ok(lab.submit("/dev/mapper/mix", Op.FLUSH))


def test_stacking_open_counts(lab):
    lab.create("lin", "0 8192 linear /dev/ram0 0\n8192 8192 linear /dev/ram1 2048")
    lab.create("str", "0 16384 striped 2 128 /dev/ram2 0 /dev/ram3 0")
    lab.create("top", "0 16384 linear /dev/mapper/lin 0")
    lab.create("top2", "0 8192 striped 2 64 /dev/mapper/str 0 /dev/mapper/lin 8192")
    assert lab.table("top2") == ["0 8192 striped 2 64 254:1 0 254:0 8192"]
    assert lab.status("top2") == ["0 8192 striped 2 254:1 254:0 1 AA"]
    assert lab.md("lin").open_count == 2
    assert lab.md("str").open_count == 1
    assert lab.engine.make_view().device("top2").deps == ("254:1", "254:0")
    assert lab.ok(lab.write("/dev/mapper/top", 8192, b"through two layers"))
    assert lab.disk_bytes("ram1", 2048)[:18] == b"through two layers"
