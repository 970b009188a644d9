"""Lab disks: the volatile write cache (flush, FUA, power cut) and the latency fault."""

from __future__ import annotations

from dmconsole.engine import Engine
from dmconsole.engine.block.bio import Bio, Flag, Op


def write(engine: Engine, dev, sector: int, payload: bytes, flags: int = Flag.NONE) -> Bio:
    buf = bytearray(512)
    buf[: len(payload)] = payload
    bio = Bio(Op.WRITE, sector, 1, memoryview(buf), flags, bdev=dev)
    engine.block.submit_bio(bio)
    return bio


def read(engine: Engine, dev, sector: int) -> bytes:
    buf = bytearray(512)
    bio = Bio(Op.READ, sector, 1, memoryview(buf), bdev=dev)
    engine.block.submit_bio(bio)
    assert bio.done and bio.status == 0
    return bytes(buf)


def medium(disk, sector: int) -> bytes:
    buf = bytearray(512)
    disk.store.read(sector, memoryview(buf))
    return bytes(buf)


def test_a_cached_write_is_read_back_but_lost_at_a_power_cut():
    engine = Engine()
    disk = engine.block.disk_create("wc", 2048, write_cache=True)
    assert write(engine, disk, 3, b"cached").status == 0
    assert read(engine, disk, 3).startswith(b"cached")
    assert medium(disk, 3) == bytes(512)
    assert disk.power_cut() == 1
    assert read(engine, disk, 3) == bytes(512)


def test_flush_and_fua_make_writes_durable():
    engine = Engine()
    disk = engine.block.disk_create("wc", 2048, write_cache=True)
    write(engine, disk, 1, b"one")
    flush = Bio(Op.FLUSH, 0, 0, bdev=disk)
    engine.block.submit_bio(flush)
    assert flush.done and flush.status == 0
    write(engine, disk, 2, b"fua", Flag.FUA)
    write(engine, disk, 3, b"lost")
    write(engine, disk, 4, b"preflushed", Flag.PREFLUSH)  # flushes what came before, not itself
    assert disk.power_cut() == 1
    assert [read(engine, disk, s)[:4] for s in (1, 2, 3, 4)] == [b"one\0", b"fua\0", b"lost", bytes(4)]


def test_without_a_write_cache_every_write_is_on_the_medium():
    engine = Engine()
    disk = engine.block.disk_create("wt", 2048)
    write(engine, disk, 5, b"through")
    assert medium(disk, 5).startswith(b"through")
    assert disk.power_cut() == 0


def test_the_latency_fault_completes_bios_on_the_lab_clock():
    engine = Engine()
    disk = engine.block.disk_create("slow", 2048)
    disk.faults.latency = 0.25
    bio = write(engine, disk, 0, b"late")
    assert not bio.done and medium(disk, 0) == bytes(512)
    engine.advance(0.2)
    assert not bio.done
    engine.advance(0.05)
    assert bio.done and bio.status == 0 and medium(disk, 0).startswith(b"late")
    assert disk.faults.describe() == "latency:250ms"


def test_a_mapped_device_takes_the_write_cache_flag_at_its_table_swap():
    engine = Engine()
    disk = engine.block.disk_create("sdb", 2048)
    engine.dm.dev_create("lin")
    engine.dm.table_load("lin", [(0, 2048, "linear", "/dev/sdb 0")])
    engine.run(engine.dm.dev_resume("lin"))
    md = engine.dm.devices["lin"]
    disk.write_cache = True
    assert not md.write_cache  # as with the kernel's queue flags: not until the next table swap
    engine.dm.table_load("lin", [(0, 2048, "linear", "/dev/sdb 0")])
    engine.run(engine.dm.dev_resume("lin"))
    assert md.write_cache
    write(engine, md, 0, b"cached")
    assert disk.cached and medium(disk, 0) == bytes(512)
    engine.block.submit_bio(Bio(Op.FLUSH, 0, 0, bdev=md))
    assert not disk.cached and medium(disk, 0).startswith(b"cached")


def test_the_write_log_keeps_every_write_and_flush_in_order_with_what_was_durable_when():
    from dmconsole.engine.block.writelog import WriteLog

    engine = Engine()
    disk = engine.block.disk_create("wc", 2048, write_cache=True)
    disk.write_log = WriteLog()
    write(engine, disk, 1, b"one")
    write(engine, disk, 2, b"fua", Flag.FUA)
    engine.block.submit_bio(Bio(Op.FLUSH, 0, 0, bdev=disk))
    write(engine, disk, 3, b"three")
    engine.block.submit_bio(Bio(Op.DISCARD, 8, 8, bdev=disk))
    log = disk.write_log
    assert [(e.seq, e.op, e.sector, e.epoch, e.volatile) for e in log.entries] == [
        (1, "write", 1, 0, True), (2, "write", 2, 0, False), (3, "flush", 0, 0, False),
        (4, "write", 3, 1, True), (5, "discard", 8, 1, False)]
    assert log.entries[0].data[:3] == b"one"
    # a power cut right after the second write: the FUA write is on the medium, the first may or may not be
    assert [e.seq for e in log.durable_at(2)] == [2] and [e.seq for e in log.in_flight_at(2)] == [1]
    # after the flush both are durable; the third write is not, until another flush
    assert [e.seq for e in log.durable_at(4)] == [1, 2] and [e.seq for e in log.in_flight_at(4)] == [4]


def test_the_write_log_is_bounded_and_says_when_it_stopped():
    from dmconsole.engine.block.writelog import WriteLog

    engine = Engine()
    disk = engine.block.disk_create("sdb", 2048)
    disk.write_log = WriteLog(limit_bytes=1024)
    for sector in range(3):
        write(engine, disk, sector, b"x")
    assert len(disk.write_log) == 2 and disk.write_log.overflowed and disk.write_log.bytes == 1024
