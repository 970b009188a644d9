"""Virtual disks: sparse storage in memory or in a sparse file, with a fault model."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..core.errno import EIO
from .bio import SECTOR_SHIFT, SECTOR_SIZE, Bio, Flag, Op
from .limits import QueueLimits
from .writelog import WriteLog

if TYPE_CHECKING:
    from ..core.clock import Clock

CHUNK_SECTORS = 8  # 4 KiB per stored chunk: a page, as brd stores them (random small writes stay cheap)
CHUNK_BYTES = CHUNK_SECTORS * SECTOR_SIZE


class SparseStore:
    """Sector storage that costs memory only for chunks written (holes read as zeroes)."""

    def __init__(self):
        self.chunks: dict[int, bytearray] = {}

    def read(self, sector: int, out: memoryview) -> None:
        pos, offset = 0, sector * SECTOR_SIZE
        while pos < len(out):
            index, within = divmod(offset, CHUNK_BYTES)
            take = min(CHUNK_BYTES - within, len(out) - pos)
            chunk = self.chunks.get(index)
            if chunk is None:
                out[pos : pos + take] = bytes(take)
            else:
                out[pos : pos + take] = chunk[within : within + take]
            pos += take
            offset += take

    def write(self, sector: int, data: memoryview | bytes | None, nr_sectors: int) -> None:
        """Store ``data``; None writes zeroes (and frees whole chunks)."""
        length = nr_sectors * SECTOR_SIZE
        pos, offset = 0, sector * SECTOR_SIZE
        while pos < length:
            index, within = divmod(offset, CHUNK_BYTES)
            take = min(CHUNK_BYTES - within, length - pos)
            if data is None:
                if take == CHUNK_BYTES:
                    self.chunks.pop(index, None)
                elif index in self.chunks:
                    self.chunks[index][within : within + take] = bytes(take)
            else:
                chunk = self.chunks.get(index)
                if chunk is None:
                    chunk = self.chunks[index] = bytearray(CHUNK_BYTES)
                chunk[within : within + take] = data[pos : pos + take]
            pos += take
            offset += take

    @property
    def bytes_stored(self) -> int:
        return len(self.chunks) * CHUNK_BYTES

    def close(self) -> None:
        pass


class FileStore(SparseStore):
    """Sector storage in a sparse file, so a lab survives a restart."""

    def __init__(self, path: str, size_bytes: int):
        super().__init__()
        self.path = path
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        if os.fstat(self.fd).st_size < size_bytes:
            os.ftruncate(self.fd, size_bytes)

    def read(self, sector: int, out: memoryview) -> None:
        got = os.pread(self.fd, len(out), sector * SECTOR_SIZE)
        out[: len(got)] = got
        if len(got) < len(out):
            out[len(got) :] = bytes(len(out) - len(got))

    def write(self, sector: int, data, nr_sectors: int) -> None:
        payload = bytes(nr_sectors * SECTOR_SIZE) if data is None else bytes(data)
        os.pwrite(self.fd, payload, sector * SECTOR_SIZE)

    @property
    def bytes_stored(self) -> int:
        return os.fstat(self.fd).st_blocks * 512

    def close(self) -> None:
        os.close(self.fd)


@dataclass
class SectorFault:
    """A range of sectors that fails or returns corrupted data."""

    start: int
    length: int
    kind: str  # "error" or "corrupt"
    ops: str = "rw"  # which ops it hits: "r", "w" or "rw"

    def hits(self, bio: Bio) -> bool:
        wanted = "w" if bio.is_write else "r"
        return wanted in self.ops and bio.sector < self.start + self.length and self.start < bio.end_sector


@dataclass
class FaultModel:
    failed: bool = False
    ranges: list[SectorFault] = field(default_factory=list)
    latency: float = 0.0  # seconds every bio waits before the disk carries it out

    def describe(self) -> str:
        if self.failed:
            return "failed"
        parts = [f"{f.kind}:{f.ops}:{f.start}+{f.length}" for f in self.ranges]
        if self.latency:
            parts.append(f"latency:{self.latency * 1000:g}ms")
        return ",".join(parts) or "-"


class Disk:
    """A block device at the bottom of a stack: a ram disk, a loop device or a lab disk."""

    kind = "disk"

    def __init__(
        self,
        name: str,
        major: int,
        minor: int,
        size_sectors: int,
        store: SparseStore | None = None,
        clock: Clock | None = None,
        limits: QueueLimits | None = None,
    ):
        self.name = name
        self.clock = clock  # latency faults complete bios on it
        self.major = major
        self.minor = minor
        self.size_sectors = size_sectors
        self.store = store or SparseStore()
        self.faults = FaultModel()
        self.limits = limits or QueueLimits()
        self.opens = 0  # opens by processes (dd, workloads)
        self.holders = 0  # tables holding it (dm_get_device)
        self.read_only = False
        self.read_ahead = 256  # sectors: VM_READAHEAD_PAGES (128 KiB)
        self.write_cache = False  # QUEUE_FLAG_WC: a volatile cache that only a flush or FUA makes durable
        self.cached: dict[int, bytes] = {}  # sector -> data written but not yet flushed to the medium
        self.write_log: WriteLog | None = None  # every write and flush that reaches the disk, when recording
        self.reads = 0
        self.writes = 0
        self.errors = 0

    @property
    def open_count(self) -> int:
        return self.opens + self.holders

    @property
    def devno(self) -> str:
        return f"{self.major}:{self.minor}"

    @property
    def path(self) -> str:
        return f"/dev/{self.name}"

    @property
    def kernel_name(self) -> str:
        return self.name

    def submit(self, bio: Bio) -> None:
        """Carry out a bio, at once or after the latency fault's delay; faults decide its fate."""
        if self.faults.latency and self.clock is not None:
            self.clock.call_at(self.clock.now + self.faults.latency, lambda: self._carry_out(bio))
            return
        self._carry_out(bio)

    def _carry_out(self, bio: Bio) -> None:
        if bio.end_sector > self.size_sectors and bio.op is not Op.FLUSH:
            self.errors += 1
            bio.endio(-EIO)
            return
        if self.faults.failed or any(f.kind == "error" and f.hits(bio) for f in self.faults.ranges):
            self.errors += 1
            bio.endio(-EIO)
            return
        if bio.flags & Flag.PREFLUSH or bio.op is Op.FLUSH:
            self.flush_cache()
            if self.write_log is not None:
                self.write_log.flush()
        if bio.op is Op.READ:
            self.reads += 1
            self.store.read(bio.sector, bio.data)
            self._read_cached(bio)
            for fault in self.faults.ranges:
                if fault.kind == "corrupt" and fault.hits(bio):
                    self._corrupt(bio, fault)
        elif bio.op is Op.WRITE:
            self.writes += 1
            volatile = self.write_cache and not bio.flags & Flag.FUA
            if volatile:
                for i in range(bio.nr_sectors):
                    self.cached[bio.sector + i] = bytes(bio.data[i * SECTOR_SIZE : (i + 1) * SECTOR_SIZE])
            else:
                self._drop_cached(bio.sector, bio.nr_sectors)
                self.store.write(bio.sector, bio.data, bio.nr_sectors)
            if self.write_log is not None:
                self.write_log.write(bio.sector, bio.nr_sectors, bytes(bio.data), volatile)
        elif bio.op is Op.DISCARD or bio.op is Op.WRITE_ZEROES:
            self._drop_cached(bio.sector, bio.nr_sectors)
            self.store.write(bio.sector, None, bio.nr_sectors)
            if self.write_log is not None:
                self.write_log.discard(bio.sector, bio.nr_sectors, False)
        bio.endio(0)

    # -- the volatile write cache ----------------------------------------------------
    def _read_cached(self, bio: Bio) -> None:
        if not self.cached:
            return
        for i in range(bio.nr_sectors):
            data = self.cached.get(bio.sector + i)
            if data is not None:
                bio.data[i * SECTOR_SIZE : (i + 1) * SECTOR_SIZE] = data

    def _drop_cached(self, sector: int, nr_sectors: int) -> None:
        if self.cached:
            for s in range(sector, sector + nr_sectors):
                self.cached.pop(s, None)

    def flush_cache(self) -> None:
        """What a flush does: everything in the cache reaches the medium."""
        for sector in sorted(self.cached):
            self.store.write(sector, self.cached[sector], 1)
        self.cached.clear()

    def power_cut(self) -> int:
        """Lose what the cache held; returns the number of sectors lost."""
        lost = len(self.cached)
        self.cached.clear()
        return lost

    @staticmethod
    def _corrupt(bio: Bio, fault: SectorFault) -> None:
        """Flip every byte of the overlapping sectors, as a bad medium would return garbage."""
        first = max(bio.sector, fault.start)
        last = min(bio.end_sector, fault.start + fault.length)
        lo = (first - bio.sector) << SECTOR_SHIFT
        hi = (last - bio.sector) << SECTOR_SHIFT
        bio.data[lo:hi] = bytes(b ^ 0xFF for b in bio.data[lo:hi])
