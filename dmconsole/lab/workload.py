"""Built-in I/O workloads with self-verifying data.

A workload issues direct I/O (one bio per block) to a block device on the lab
clock: at most ``rate`` I/Os per second, at most ``qd`` in flight, for
``duration`` seconds or until stopped. It is deterministic: the choice of
blocks and of reads against writes comes from a PRNG seeded from the
workload's name.

Every sector a workload writes carries a header (magic, a tag derived from
the workload's name, block number, generation, sector index) and a payload
derived from them, with a CRC. The workload remembers, per block, the
generation of its last *acknowledged* write (completed with status 0) and the
generations whose writes failed or are still in flight: those make the block
uncertain, so that either the old or the new data is acceptable. That is the
kernel's contract: only acknowledged data must survive. Reads issued while the
workload runs are checked the same way, and ``verify()`` reads back every block
the workload has acknowledged and reports those that are lost (stale data,
zeroes, unreadable) or corrupted (anything else).
"""

from __future__ import annotations

import hashlib
import random
import struct
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..engine.block.bio import SECTOR_SIZE, Bio, Flag, Op
from ..engine.core.errno import EPERM, strerror
from ..engine.core.waits import Completion, TaskGen, WaitQueue
from ..engine.views import WorkloadView

if TYPE_CHECKING:
    from ..engine import Engine
    from ..engine.core.clock import Timer

MAGIC = b"DMCW"
_HEADER = struct.Struct("<4sIQQI")  # magic, name tag, block, generation, sector in block: 28 bytes
_BODY = SECTOR_SIZE - _HEADER.size - 4  # then the payload, then a CRC32 of header + payload
VERIFY_BATCH = 64  # reads in flight at once during verify

# Workloads do direct I/O, like fio with direct=1: writes are REQ_SYNC | REQ_IDLE (when Flag has IDLE).
_DIRECT_WRITE = Flag.SYNC | Flag.IDLE

PATTERNS = ("seq", "rand")
MODES = ("write", "read", "mix")


class WorkloadError(Exception):
    """A workload that cannot start (bad option, missing device, duplicate name)."""


def name_tag(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))


def sector_image(tag: int, block: int, generation: int, index: int) -> bytes:
    """The 512 bytes a workload writes to sector ``index`` of ``block`` at ``generation``."""
    header = _HEADER.pack(MAGIC, tag, block, generation, index)
    seed = hashlib.blake2b(header, digest_size=32).digest()
    body = (seed * (_BODY // len(seed) + 1))[:_BODY]
    return header + body + struct.pack("<I", zlib.crc32(header + body))


def parse_sector(data: bytes) -> tuple[int, int, int, int] | None:
    """(tag, block, generation, index) of a well-formed workload sector, else None."""
    if len(data) != SECTOR_SIZE or data[:4] != MAGIC:
        return None
    magic, tag, block, generation, index = _HEADER.unpack_from(data)
    if sector_image(tag, block, generation, index) != data:
        return None
    return tag, block, generation, index


@dataclass
class BadBlock:
    block: int
    sector: int  # first sector of the block on the device
    sectors: int
    kind: str  # "lost" or "corrupted"
    detail: str


@dataclass
class VerifyReport:
    checked: int = 0
    bad: list[BadBlock] = field(default_factory=list)

    @property
    def lost(self) -> int:
        return sum(1 for b in self.bad if b.kind == "lost")

    @property
    def corrupted(self) -> int:
        return sum(1 for b in self.bad if b.kind == "corrupted")


class Workload:
    """One running (or finished) I/O generator on one block device."""

    def __init__(self, engine: Engine, name: str, path: str, dev, *, pattern: str = "seq", rw: str = "write",
                 read_pct: int = 50, bs: int = 4096, rate: float = 100.0, duration: float | None = None,
                 span: int | None = None, qd: int = 1):
        self.engine = engine
        self.name = name
        self.path = path
        self.dev = dev
        self.pattern = pattern
        self.rw = rw
        self.read_pct = read_pct
        self.bs = bs
        self.rate = rate
        self.duration = duration
        self.qd = qd
        self.sectors_per_block = bs // SECTOR_SIZE
        self.span = span if span is not None else dev.size_sectors
        self.blocks = self.span // self.sectors_per_block
        self.tag = name_tag(name)
        seed = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "little")
        self.rng = random.Random(seed)
        # what must be on the device
        self.acked: dict[int, int] = {}  # block -> generation of the last acknowledged write
        self.uncertain: dict[int, set[int]] = {}  # block -> generations failed or in flight since then
        self.next_gen: dict[int, int] = {}
        self.busy: set[int] = set()  # blocks with I/O in flight (never two at once on a block)
        # counters
        self.state = "new"
        self.ios_done = self.errors = 0
        self.reads = self.writes = 0
        self.bytes_written = self.bytes_read = 0
        self.read_lost = self.read_corrupted = 0
        self.inflight = 0
        self.credits = 0
        self.cursor = 0
        self.started_at = 0.0
        self.tick_no = 0
        self._timer: Timer | None = None
        self._holding = False
        self._final = "stopped"
        self.io_done = WaitQueue()  # woken as each I/O completes (a verify waits for busy blocks)

    # ------------------------------------------------------------------ life cycle
    def start(self) -> None:
        self.state = "running"
        self.started_at = self.engine.clock.now
        self.engine.block.hold(self.dev)
        self._holding = True
        self._schedule(1)
        self.engine.note("state", self._dev_name(), f"io {self.name}: started ({self.describe()})")

    def stop(self) -> None:
        """Stop issuing I/O; the workload ends once what is in flight completes."""
        if self.state not in ("running",):
            return
        self._end("stopped")

    def _end(self, final: str) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.credits = 0
        self._final = final
        self.state = "stopping" if self.inflight else final
        self._maybe_release()

    def _maybe_release(self) -> None:
        if self.state == "stopping" and not self.inflight:
            self.state = self._final
        if self.state in ("stopped", "done") and self._holding:
            self._holding = False
            self.engine.block.close(self.dev)
            self.engine.note("state", self._dev_name(), f"io {self.name}: {self.state} after {self.ios_done} I/Os, "
                                                         f"{self.errors} errors")

    @property
    def running(self) -> bool:
        return self.state in ("running", "stopping")

    def _dev_name(self) -> str:
        return getattr(self.dev, "name", self.path)

    def describe(self) -> str:
        mode = self.rw if self.rw != "mix" else f"mix {self.read_pct}% reads"
        until = f", {self.duration:g} s" if self.duration else ""
        return (f"{self.pattern} {mode}, {self.bs}-byte blocks, {self.rate:g} IOPS, qd {self.qd}, "
                f"{self.blocks} blocks{until}")

    # ------------------------------------------------------------------ scheduling
    def _schedule(self, k: int) -> None:
        due = self.started_at + k / self.rate
        if self.duration is not None and k / self.rate > self.duration + 1e-9:
            self._timer = None
            self._end("done")
            return
        self._timer = self.engine.clock.call_at(due, lambda: self._tick(k), owner=f"io {self.name}")

    def _tick(self, k: int) -> None:
        if self.state != "running":
            return
        self.credits = min(self.credits + 1, self.qd)
        self._issue()
        self._schedule(k + 1)

    def _issue(self) -> None:
        while self.state == "running" and self.credits > 0 and self.inflight < self.qd:
            op = self._pick_op()
            block = self._pick_block()
            if block is None:
                return
            self.credits -= 1
            self._submit(op, block)

    def _pick_op(self) -> Op:
        if self.rw == "write":
            return Op.WRITE
        if self.rw == "read":
            return Op.READ
        return Op.READ if self.rng.randrange(100) < self.read_pct else Op.WRITE

    def _pick_block(self) -> int | None:
        if self.pattern == "seq":
            for _ in range(self.blocks):
                block = self.cursor
                self.cursor = (self.cursor + 1) % self.blocks
                if block not in self.busy:
                    return block
            return None
        for _ in range(8):
            block = self.rng.randrange(self.blocks)
            if block not in self.busy:
                return block
        return None

    # ------------------------------------------------------------------ I/O
    def block_image(self, block: int, generation: int) -> bytes:
        return b"".join(sector_image(self.tag, block, generation, i) for i in range(self.sectors_per_block))

    def _submit(self, op: Op, block: int) -> None:
        sector = block * self.sectors_per_block
        self.busy.add(block)
        self.inflight += 1
        if op is Op.WRITE:
            generation = self.next_gen.get(block, 0) + 1
            self.next_gen[block] = generation
            self.uncertain.setdefault(block, set()).add(generation)
            if self.dev.read_only:  # blkdev_write_iter(): EPERM before any bio
                self._write_done(block, generation, -EPERM)
                return
            buf = bytearray(self.block_image(block, generation))
            bio = Bio(Op.WRITE, sector, self.sectors_per_block, memoryview(buf), _DIRECT_WRITE, bdev=self.dev)
            bio.end_io = lambda b: self._write_done(block, generation, b.status)
        else:
            buf = bytearray(self.bs)
            bio = Bio(Op.READ, sector, self.sectors_per_block, memoryview(buf), bdev=self.dev)
            bio.end_io = lambda b: self._read_done(block, bytes(buf), b.status)
        self.engine.block.submit_bio(bio)

    def _finish_io(self, block: int, status: int) -> None:
        self.busy.discard(block)
        self.io_done.wake_up()
        self.inflight -= 1
        self.ios_done += 1
        if status:
            self.errors += 1

    def _write_done(self, block: int, generation: int, status: int) -> None:
        self.writes += 1
        if status == 0:
            self.bytes_written += self.bs
            if generation > self.acked.get(block, 0):
                self.acked[block] = generation
                self.uncertain[block] = {g for g in self.uncertain.get(block, ()) if g > generation}
        # a failed write stays in ``uncertain``: it may or may not have reached the medium
        self._finish_io(block, status)
        self._after_io()

    def _read_done(self, block: int, data: bytes, status: int) -> None:
        self.reads += 1
        if status == 0:
            self.bytes_read += self.bs
            verdict = self.check_block(block, data)
            if verdict is not None:
                if verdict[0] == "lost":
                    self.read_lost += 1
                else:
                    self.read_corrupted += 1
        self._finish_io(block, status)
        self._after_io()

    def _after_io(self) -> None:
        if self.state == "running":
            self._issue()
        else:
            self._maybe_release()

    # ------------------------------------------------------------------ checking
    def expected(self, block: int) -> tuple[int, set[int]]:
        """(acknowledged generation, other acceptable generations) of a block."""
        return self.acked.get(block, 0), set(self.uncertain.get(block, ()))

    def check_block(self, block: int, data: bytes) -> tuple[str, str] | None:
        """None if ``data`` is acceptable for ``block``, else ("lost"|"corrupted", why)."""
        acked, others = self.expected(block)
        if acked == 0:
            return None  # never acknowledged: whatever was there before is acceptable
        acceptable = others | {acked}
        lost: tuple[str, str] | None = None
        first = block * self.sectors_per_block
        for index in range(self.sectors_per_block):
            sector = data[index * SECTOR_SIZE : (index + 1) * SECTOR_SIZE]
            parsed = parse_sector(sector)
            where = f"sector {first + index}"
            if parsed is None:
                if not any(sector):
                    lost = lost or ("lost", f"{where} reads as zeroes, generation {acked} was acknowledged")
                    continue
                return "corrupted", f"{where} does not hold data this workload wrote (generation {acked} expected)"
            tag, pblock, generation, pindex = parsed
            if tag != self.tag:
                return "corrupted", f"{where} holds another writer's data (generation {acked} expected)"
            if pblock != block or pindex != index:
                return "corrupted", (f"{where} holds sector {pindex} of block {pblock} "
                                     f"(generation {acked} expected)")
            if generation in acceptable:
                continue
            if generation < acked:
                lost = lost or ("lost", f"{where} holds generation {generation}, "
                                        f"generation {acked} was acknowledged")
                continue
            return "corrupted", f"{where} holds generation {generation}, never written (generation {acked} expected)"
        return lost

    def verify(self, dev=None) -> TaskGen:
        """Read back every block with acknowledged data; return a VerifyReport.

        ``dev`` reads from another device than the one written (the same stack activated again,
        a snapshot of it); by default, the workload's own device.
        """
        dev = dev if dev is not None else self.dev
        report = VerifyReport()
        blocks = sorted(b for b, g in self.acked.items() if g > 0)
        report.checked = len(blocks)
        what = f"io verify {self.name}"
        self.engine.block.hold(dev)
        try:
            for at in range(0, len(blocks), VERIFY_BATCH):
                batch = blocks[at : at + VERIFY_BATCH]
                if any(b in self.busy for b in batch):
                    yield self.io_done.wait_event(lambda batch=batch: not any(b in self.busy for b in batch), what)
                self.busy.update(batch)
                reads = []
                all_read = Completion()
                left = [len(batch)]

                def read_done(_bio: Bio, left=left, all_read=all_read) -> None:
                    left[0] -= 1
                    if not left[0]:
                        all_read.complete()

                try:
                    for block in batch:
                        buf = bytearray(self.bs)
                        bio = Bio(Op.READ, block * self.sectors_per_block, self.sectors_per_block, memoryview(buf),
                                  end_io=read_done, bdev=dev)
                        reads.append((block, buf, bio))
                        self.engine.block.submit_bio(bio)
                    if not all_read.done:
                        yield all_read.wait(what, uninterruptible=True)
                finally:
                    self.busy.difference_update(batch)
                    self.io_done.wake_up()
                for block, buf, bio in reads:
                    first = block * self.sectors_per_block
                    if bio.status:
                        report.bad.append(BadBlock(block, first, self.sectors_per_block, "lost",
                                                   f"read error ({strerror(bio.status)})"))
                        continue
                    verdict = self.check_block(block, bytes(buf))
                    if verdict is not None:
                        report.bad.append(BadBlock(block, first, self.sectors_per_block, *verdict))
        finally:
            self.engine.block.close(dev)
        return report

    # ------------------------------------------------------------------ views
    def view(self) -> WorkloadView:
        return WorkloadView(self.name, self.path, self.state, self.ios_done, self.errors, self.bytes_written,
                            self.bytes_read)


# ---------------------------------------------------------------------- the lab's workloads
class Workloads:
    """The workloads of one lab, by name (a finished one stays, so that it can still be verified)."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.by_name: dict[str, Workload] = {}

    def get(self, name: str) -> Workload | None:
        return self.by_name.get(name)

    def names(self) -> list[str]:
        return list(self.by_name)

    def views(self) -> tuple[WorkloadView, ...]:
        return tuple(w.view() for w in self.by_name.values())

    def start(self, name: str, path: str, *, pattern: str = "seq", rw: str = "write", read_pct: int = 50,
              bs: int = 4096, rate: float = 100.0, duration: float | None = None, span: int | None = None,
              qd: int = 1) -> Workload:
        """Create a workload and start it (raises WorkloadError)."""
        if not name or any(ch.isspace() for ch in name):
            raise WorkloadError(f"invalid workload name '{name}'")
        old = self.by_name.get(name)
        if old is not None and old.running:
            raise WorkloadError(f"workload '{name}' is already running")
        if pattern not in PATTERNS:
            raise WorkloadError(f"invalid pattern '{pattern}' (seq or rand)")
        if rw not in MODES:
            raise WorkloadError(f"invalid mode '{rw}' (write, read or mix)")
        if not 0 <= read_pct <= 100:
            raise WorkloadError(f"invalid read percentage {read_pct} (0 to 100)")
        if bs <= 0 or bs % SECTOR_SIZE:
            raise WorkloadError(f"invalid block size {bs} (a multiple of {SECTOR_SIZE} bytes)")
        if not rate > 0:
            raise WorkloadError(f"invalid rate {rate:g} (IOPS above 0)")
        if duration is not None and not duration > 0:
            raise WorkloadError(f"invalid duration {duration:g} (seconds above 0)")
        if qd < 1:
            raise WorkloadError(f"invalid queue depth {qd} (1 or more)")
        dev = self.engine.block.lookup(path) if path.startswith("/dev/") else None
        if dev is None:
            raise WorkloadError(f"cannot open '{path}': No such file or directory")
        size = dev.size_sectors
        if span is None:
            span = size
        if span > size:
            raise WorkloadError(f"span of {span} sectors is larger than {path} ({size} sectors)")
        if span < bs // SECTOR_SIZE:
            raise WorkloadError(f"span of {span} sectors holds no {bs}-byte block")
        workload = Workload(self.engine, name, path, dev, pattern=pattern, rw=rw, read_pct=read_pct, bs=bs,
                            rate=rate, duration=duration, span=span, qd=qd)
        self.by_name[name] = workload
        workload.start()
        return workload

    def stop(self, name: str) -> Workload:
        """Stop issuing I/O (what is in flight completes); raises WorkloadError for an unknown name."""
        workload = self.by_name.get(name)
        if workload is None:
            raise WorkloadError(f"no workload '{name}'")
        workload.stop()
        return workload
