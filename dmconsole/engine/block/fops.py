"""The files a process opens under /dev: block devices (block/fops.c of Linux 6.1) and the memory
character devices (/dev/zero, /dev/null, /dev/urandom).

Every system call is a generator that returns a byte count or a negative errno, and
sleeps while its bios are in flight, so a suspended device, a delay target or a full
pool holds the caller exactly where the kernel would hold it.

Block devices, as block/fops.c and the page cache treat them:

* reads past the end return 0; writes at the end fail with ENOSPC and are cut
  short when they cross it; a read-only device gives EPERM on write; O_DIRECT
  needs 512-byte alignment and is split into bios of at most 256 pages;
* buffered reads go down as readahead bios (REQ_RAHEAD) of up to 128 KiB; when
  one fails, each page is read again block by block (``set_init_blocksize()``
  blocks), and a failing block logs ``Buffer I/O error on dev dm-N, logical
  block B, async page read``; bytes before the bad page are a short read;
* a buffered write that covers part of a block first reads that block
  (read-modify-write); if that read fails, the write fails with EIO;
* written blocks go to the device one bio per block, as writeback sends them,
  at once rather than at close (no dirty pages are kept). A writeback failure
  is not seen by write(): it logs ``... lost async page write`` and is
  reported once by the next fsync (errseq).
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from ..core.errno import EBADF, EEXIST, EINVAL, EIO, ENOENT, ENOSPC, ENOTDIR, EOPNOTSUPP, EPERM, DMError
from ..core.waits import Completion
from .bio import SECTOR_SIZE, Bio, Flag, Op

if TYPE_CHECKING:
    from .devices import BlockDevices

PAGE_SIZE = 4096
DIO_MAX_BIO = 256 * PAGE_SIZE  # BIO_MAX_VECS pages: __blkdev_direct_IO splits bigger requests
READAHEAD_BYTES = 128 * 1024  # default read_ahead_kb: buffered reads go down in bios this big


def init_blocksize(size_bytes: int) -> int:
    """set_init_blocksize(): the page-cache block size of a block device, from its size."""
    bsize = SECTOR_SIZE
    while bsize < PAGE_SIZE and not (size_bytes & bsize):
        bsize <<= 1
    return bsize


class DeviceFile:
    """An open file. The I/O methods are generators returning a byte count or a negative errno."""

    seekable = True  # lseek(SEEK_CUR) works
    seek_end = True  # lseek(SEEK_END) works

    def __init__(self, name: str):
        self.name = name

    def lseek(self, offset: int) -> int:
        return 0

    def read(self, size: int):
        return -EBADF, b""
        yield  # pragma: no cover - a generator

    def write(self, data: bytes):
        return -EBADF
        yield  # pragma: no cover

    def fsync(self, datasync: bool):
        return -EINVAL
        yield  # pragma: no cover

    def close(self) -> None:
        pass


class CharFile(DeviceFile):
    """/dev/zero, /dev/null, /dev/urandom (and /dev/random, the same here)."""

    def __init__(self, name: str, kind: str, urandom: random.Random):
        super().__init__(name)
        self.kind = kind  # "zero", "null" or "urandom"
        self._urandom = urandom

    @property
    def endless(self) -> bool:
        """Reads never reach an end (/dev/zero, /dev/urandom)."""
        return self.kind != "null"

    @property
    def discards(self) -> bool:
        """Writes go nowhere, and reads end at once (/dev/null)."""
        return self.kind == "null"

    def read(self, size: int):
        if self.kind == "null":
            return 0, b""
        if self.kind == "zero":
            return size, bytes(size)
        return size, self._urandom.randbytes(size)
        yield  # pragma: no cover

    def write(self, data: bytes):
        return len(data)
        yield  # pragma: no cover


CHAR_DEVICES = {"/dev/zero": "zero", "/dev/null": "null", "/dev/urandom": "urandom", "/dev/random": "urandom"}


class BlockFile(DeviceFile):
    """A block device opened by a process: its I/O is bios to the device, as block/fops.c sends them."""

    def __init__(self, name: str, dev: Any, block: BlockDevices, *, direct: bool, sync: bool = False):
        super().__init__(name)
        self.dev = dev
        self.block = block
        self.direct = direct
        self.sync = sync
        self.pos = 0
        self.blocksize = init_blocksize(dev.size_sectors * SECTOR_SIZE)
        self.wb_error = 0  # a writeback error not yet reported by fsync (errseq)
        self.closed = False

    @property
    def size(self) -> int:
        return self.dev.size_sectors * SECTOR_SIZE

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.block.close(self.dev)

    def lseek(self, offset: int) -> int:
        """blkdev_llseek(): beyond the end of the device is EINVAL."""
        target = self.pos + offset
        if target > self.size:
            return -EINVAL
        self.pos = target
        return 0

    # -- bios ---------------------------------------------------------------------
    def _bios(self, op: Op, start: int, buf: bytearray, chunk: int, flags: int = Flag.NONE) -> list[Bio]:
        view = memoryview(buf)
        bios = []
        for off in range(0, len(buf), chunk):
            piece = view[off : off + chunk]
            bios.append(Bio(op, (start + off) // SECTOR_SIZE, len(piece) // SECTOR_SIZE, piece, flags))
        return bios

    def _wait(self, bios: list[Bio], what: str):
        """Submit ``bios`` and sleep (uninterruptibly, as for I/O) until every one has completed."""
        all_done = Completion()
        left = [len(bios)]

        def finished(_bio: Bio) -> None:
            left[0] -= 1
            if not left[0]:
                all_done.complete()

        for bio in bios:
            bio.end_io = finished
            bio.bdev = self.dev
            self.block.submit_bio(bio)
        if not all_done.done:
            yield all_done.wait(f"{what} on {self.name}", uninterruptible=True)
        return bios

    @staticmethod
    def _status(bios: list[Bio]) -> int:
        return next((bio.status for bio in bios if bio.status), 0)

    def _buffer_io_error(self, block: int, what: str) -> None:
        """buffer_io_error(): printk_ratelimited, 10 messages per 5 s, then "N callbacks suppressed"."""
        self.block.klog.log_ratelimited(
            "buffer_io_error", f"Buffer I/O error on dev {self.dev.kernel_name}, logical block {block}, {what}")

    # -- read ---------------------------------------------------------------------
    def read(self, size: int):
        size_dev = self.size
        if self.pos >= size_dev or size == 0:
            return 0, b""
        count = min(size, size_dev - self.pos)
        if self.direct:
            if (self.pos | count) & (SECTOR_SIZE - 1):
                return -EINVAL, b""
            buf = bytearray(count)
            bios = yield from self._wait(self._bios(Op.READ, self.pos, buf, DIO_MAX_BIO), "direct read")
            status = self._status(bios)
            if status:
                return status, b""
            self.pos += count
            return count, bytes(buf)
        return (yield from self._buffered_read(count, size_dev))

    def _buffered_read(self, count: int, size_dev: int):
        start, end = self.pos, self.pos + count
        base = start - start % PAGE_SIZE
        got = bytearray()
        lo = base
        while lo < end:
            hi = min(lo + READAHEAD_BYTES, (end + PAGE_SIZE - 1) // PAGE_SIZE * PAGE_SIZE, size_dev)
            buf = bytearray(hi - lo)
            bios = yield from self._wait([Bio(Op.READ, lo // SECTOR_SIZE, (hi - lo) // SECTOR_SIZE,
                                              memoryview(buf), Flag.RAHEAD)], "read")  # mpage readahead
            if not self._status(bios):
                got += buf
                lo = hi
                continue
            # The readahead bio failed: read_folio() reads each page again, block by block.
            for page in range(lo, hi, PAGE_SIZE):
                page_end = min(page + PAGE_SIZE, size_dev)
                pbuf = bytearray(page_end - page)
                blocks = yield from self._wait(self._bios(Op.READ, page, pbuf, self.blocksize), "read")
                failed = [bio for bio in blocks if bio.status]
                if failed:
                    for bio in failed:
                        self._buffer_io_error(bio.sector * SECTOR_SIZE // self.blocksize, "async page read")
                    copied = page - start
                    if copied <= 0:
                        return -EIO, b""
                    data = bytes(got[start - base : start - base + copied])
                    self.pos += copied
                    return copied, data
                got += pbuf
            lo = hi
        data = bytes(got[start - base : start - base + count])
        self.pos += count
        return count, data

    # -- write --------------------------------------------------------------------
    def write(self, data: bytes):
        """blkdev_write_iter()."""
        if self.dev.read_only:
            return -EPERM
        if not data:
            return 0
        size_dev = self.size
        if self.pos >= size_dev:
            return -ENOSPC
        count = min(len(data), size_dev - self.pos)
        if self.direct:
            if (self.pos | count) & (SECTOR_SIZE - 1):
                return -EINVAL
            # dio_bio_write_op(): REQ_SYNC | REQ_IDLE, and REQ_FUA for O_DSYNC when a write cache makes it count
            flags = Flag.SYNC | Flag.IDLE | (Flag.FUA if self.sync and self.dev.write_cache else Flag.NONE)
            buf = bytearray(data[:count])
            bios = yield from self._wait(self._bios(Op.WRITE, self.pos, buf, DIO_MAX_BIO, flags), "direct write")
            status = self._status(bios)
            if status:
                return status
        else:
            count = yield from self._buffered_write(data, count)
            if count < 0:
                return count
        if self.sync:  # generic_write_sync(): O_SYNC / O_DSYNC fsync the range after each write
            status = yield from self.fsync(True)
            if status:
                return status
        self.pos += count
        return count

    def _buffered_write(self, data: bytes, count: int):
        bs = self.blocksize
        start, end = self.pos, self.pos + count
        first, last = start // bs, (end - 1) // bs
        buf = bytearray((last - first + 1) * bs)
        partial = []
        if start % bs or (end < (first + 1) * bs):
            partial.append(first)
        if end % bs and last not in partial:
            partial.append(last)
        for block in partial:  # write_begin: read the blocks the write covers only in part
            rbuf = bytearray(bs)
            bios = yield from self._wait([Bio(Op.READ, block * bs // SECTOR_SIZE, bs // SECTOR_SIZE,
                                              memoryview(rbuf))], "read-modify-write")
            if self._status(bios):
                # Pages before the one that failed were copied: a short write, else EIO.
                failed_page = block * bs - block * bs % PAGE_SIZE
                copied = max(0, failed_page - start)
                if copied == 0:
                    return -EIO
                end = start + copied
                last = (end - 1) // bs
                break
            at = (block - first) * bs
            buf[at : at + bs] = rbuf
        count = end - start
        buf[start - first * bs : end - first * bs] = data[:count]
        # Writeback: one bio per dirty block, WB_SYNC_ALL (REQ_SYNC).
        nblocks = last - first + 1
        blocks = yield from self._wait(self._bios(Op.WRITE, first * bs, buf[: nblocks * bs], bs, Flag.SYNC), "write")
        for bio in blocks:
            if bio.status:
                self._buffer_io_error(bio.sector * SECTOR_SIZE // bs, "lost async page write")
                self.wb_error = self.wb_error or abs(bio.status)
        return count

    def fsync(self, datasync: bool):
        """blkdev_fsync(): report a writeback error once, else send a flush."""
        if self.wb_error:
            err, self.wb_error = self.wb_error, 0
            return -err
        if not self.dev.write_cache:
            return 0  # no volatile cache below: the flush completes before reaching any target
        bios = yield from self._wait([Bio(Op.FLUSH, 0, 0, None, Flag.PREFLUSH)], "flush")
        status = self._status(bios)
        return 0 if status == -EOPNOTSUPP else status


class DeviceFiles:
    """open(2) of the device nodes a process can name, and the /dev/urandom stream they share."""

    def __init__(self, block: BlockDevices):
        self.block = block
        self.urandom = random.Random(0x75726E64)  # deterministic: every run of a script reads the same bytes

    def open(self, path: str, *, direct: bool = False, sync: bool = False, directory: bool = False,
             create_excl: bool = False) -> DeviceFile:
        """A file for ``path``; DMError(errno) as open(2) would fail (O_DIRECTORY, O_CREAT|O_EXCL, O_DIRECT)."""
        kind = CHAR_DEVICES.get(path)
        if kind is not None:
            if directory:
                raise DMError(ENOTDIR)
            if create_excl:
                raise DMError(EEXIST)
            if direct:
                raise DMError(EINVAL)
            return CharFile(path, kind, self.urandom)
        if not path.startswith("/dev/"):
            raise DMError(ENOENT)  # the lab has device nodes only
        dev = self.block.openable(path)
        if directory:
            raise DMError(ENOTDIR)
        if create_excl:
            raise DMError(EEXIST)
        self.block.hold(dev)
        return BlockFile(path, dev, self.block, direct=direct, sync=sync)
