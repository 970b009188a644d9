"""A session on a fresh engine, with its stdout and stderr kept apart, for the command tests."""

from __future__ import annotations

from dmconsole.commands import Session
from dmconsole.lab import Lab as LabHandle


class Lab:
    def __init__(self, dm_major: int = 254):
        self.lab = LabHandle(dm_major=dm_major)
        self.engine = self.lab.engine
        self.out: list[bytes] = []
        self.err: list[bytes] = []
        self.session = Session(self.lab, self.out.append, self.err.append, block_bound=60.0)

    def run(self, line: str) -> int:
        self.out.clear()
        self.err.clear()
        return self.session.run_line(line)

    def ok(self, line: str) -> str:
        status = self.run(line)
        assert status == 0, (line, self.stderr)
        return self.stdout

    @property
    def stdout(self) -> str:
        return b"".join(self.out).decode("utf-8", "replace")

    @property
    def stderr(self) -> str:
        return b"".join(self.err).decode("utf-8", "replace")

    def disk(self, name: str, sector: int, nr: int = 1) -> bytes:
        buf = bytearray(nr * 512)
        self.engine.block.disks[name].store.read(sector, memoryview(buf))
        return bytes(buf)

    def klog(self) -> list[str]:
        lines = [line.text for line in self.engine.klog.lines()]
        self.engine.klog.clear()
        return lines


class TranscriptLab:
    """A session whose stdout and stderr land, in order, in one transcript (as the oracle records them)."""

    def __init__(self, disks: int = 4):
        self.lab = LabHandle(dm_major=254)
        self.engine = self.lab.engine
        self.chunks: list[bytes] = []
        self.session = Session(self.lab, self.chunks.append, self.chunks.append, block_bound=30.0)
        assert self.run(f"modprobe brd rd_nr={disks} rd_size=16384") == 0

    def run(self, line: str) -> int:
        self.chunks.clear()
        return self.session.run_line(line)

    @property
    def text(self) -> str:
        return b"".join(self.chunks).decode()

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()
