"""A small lab over the engine for the engine's unit tests: ram disks, dmsetup-like helpers, I/O."""

from __future__ import annotations

import pytest

from dmconsole.engine import Engine
from dmconsole.engine.block.bio import Bio, Flag, Op
from dmconsole.engine.core.errno import DMError
from dmconsole.engine.dm.target import StatusType


def table_rows(text: str) -> list[tuple[int, int, str, str]]:
    rows = []
    for line in text.strip().splitlines():
        start, length, ttype, *rest = line.split(maxsplit=3)
        rows.append((int(start), int(length), ttype, rest[0] if rest else ""))
    return rows


class Lab:
    """An Engine with major 254 (as the oracle's VM) and four 16 MiB ram disks (1:0 .. 1:3)."""

    def __init__(self, ram_kib: int = 16384, disks: int = 4):
        self.engine = Engine(dm_major=254)
        self.engine.block.modprobe_brd(disks, ram_kib)
        self.klog_mark = self.engine.klog.last_seq

    # -- dmsetup-like operations ------------------------------------------------------
    def create(self, name: str, table: str, uuid: str = "") -> None:
        """dmsetup create: create, load, resume (the device is removed again if the load fails)."""
        self.engine.dm.dev_create(name, uuid)
        try:
            self.engine.dm.table_load(name, table_rows(table))
        except DMError:
            self.engine.dm.dev_remove(name)
            raise
        self.resume(name)

    def give_disks_a_write_cache(self) -> None:
        """QUEUE_FLAG_WC on every disk, so that flushes and FUA reach the targets (brd has none)."""
        for disk in self.engine.block.disks.values():
            disk.write_cache = True
        for name in sorted(self.engine.dm.devices):  # dm devices take QUEUE_FLAG_WC at a table swap
            self.reload(name, "\n".join(self.table(name)))
            self.resume(name)

    def reload(self, name: str, table: str) -> None:
        self.engine.dm.table_load(name, table_rows(table))

    def resume(self, name: str) -> None:
        finished, _ = self.engine.run(self.engine.dm.dev_resume(name))
        assert finished

    def suspend(self, name: str, noflush: bool = False) -> None:
        finished, _ = self.engine.run(self.engine.dm.dev_suspend(name, noflush))
        assert finished

    def md(self, name: str):
        return self.engine.dm.devices[name]

    def table(self, name: str, inactive: bool = False) -> list[str]:
        """`dmsetup table` lines: start, length, type, a space, then the params."""
        _info, rows = self.engine.dm.table_status(name, query_inactive=inactive)
        return [f"{r.start} {r.length} {r.type} {r.params}" for r in rows]

    def status(self, name: str) -> list[str]:
        _info, rows = self.engine.dm.table_status(name, StatusType.INFO)
        return [f"{r.start} {r.length} {r.type} {r.params}" for r in rows]

    def message(self, name: str, text: str, sector: int = 0) -> str | None:
        return self.engine.dm.target_message(name, sector, text)

    def klog(self) -> list[str]:
        """Kernel lines logged since the last call."""
        lines = self.engine.klog.lines(self.klog_mark)
        if lines:
            self.klog_mark = lines[-1].seq
        return [line.text for line in lines]

    # -- I/O ------------------------------------------------------------------------------
    def dev(self, path: str):
        return self.engine.block.openable(path)

    def write(self, path: str, sector: int, payload: bytes, flags: Flag = Flag.NONE) -> Bio:
        """Submit a write of ``payload`` padded with zeroes to whole sectors (dd conv=sync)."""
        nr = max(1, -(-len(payload) // 512))
        buf = bytearray(nr * 512)
        buf[: len(payload)] = payload
        return self.engine.submit(self.dev(path), Op.WRITE, sector, nr, memoryview(buf), flags)

    def read(self, path: str, sector: int, nr: int = 1, flags: Flag = Flag.NONE) -> Bio:
        buf = bytearray(nr * 512)
        return self.engine.submit(self.dev(path), Op.READ, sector, nr, memoryview(buf), flags)

    def submit(self, path: str, op: Op, sector: int = 0, nr: int = 0, flags: Flag = Flag.NONE) -> Bio:
        data = memoryview(bytearray(nr * 512)) if op in (Op.READ, Op.WRITE) else None
        return self.engine.submit(self.dev(path), op, sector, nr, data, flags)

    def read_bytes(self, path: str, sector: int, nr: int = 1) -> bytes:
        """Read and insist it succeeded at once."""
        bio = self.read(path, sector, nr)
        assert bio.done and bio.status == 0, bio
        return bytes(bio.data)

    def ok(self, bio: Bio) -> bool:
        return bio.done and bio.status == 0

    def failed(self, bio: Bio) -> bool:
        return bio.done and bio.status == -5

    def disk_bytes(self, disk: str, sector: int, nr: int = 1) -> bytes:
        out = bytearray(nr * 512)
        dev = self.engine.block.disks[disk]
        dev.store.read(sector, memoryview(out))
        for i in range(nr):  # what the disk returns: its write cache over the medium
            cached = dev.cached.get(sector + i)
            if cached is not None:
                out[i * 512 : (i + 1) * 512] = cached
        return bytes(out)


@pytest.fixture
def lab() -> Lab:
    return Lab()
