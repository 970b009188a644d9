"""dm-stripe (v1.6.0): spread chunks round-robin across devices; counts errors per stripe."""

from __future__ import annotations

from dataclasses import dataclass

from ..block.bio import Bio, Flag, Op
from ..core.errno import EOPNOTSUPP, TargetError
from ..dm.target import EndIO, MapResult, StatusType, Target, register

DM_IO_ERROR_THRESHOLD = 15


@dataclass(frozen=True)
class StripedView:
    """What the console shows of a striped target: each leg and the I/O errors counted on it."""

    chunk_sectors: int
    legs: tuple[str, ...]  # MAJ:MIN of each stripe's device
    error_counts: tuple[int, ...]


@register
class Striped(Target):
    name = "striped"
    version = (1, 6, 0)
    view_type = StripedView

    def ctr(self, args: list[str]) -> None:
        if len(args) < 2:
            raise TargetError("Not enough arguments")
        if not args[0].isascii() or not args[0].isdigit() or int(args[0]) == 0:
            raise TargetError("Invalid stripe count")
        stripes = int(args[0])
        if not args[1].isascii() or not args[1].isdigit() or int(args[1]) == 0:
            raise TargetError("Invalid chunk_size")
        chunk = int(args[1])
        if self.len % stripes:
            raise TargetError("Target length not divisible by number of stripes")
        if (self.len // stripes) % chunk:
            raise TargetError("Target length not divisible by chunk size")
        if len(args) != 2 + 2 * stripes:
            raise TargetError("Not enough destinations specified")
        self.stripes = stripes
        self.chunk = chunk
        self.stripe_width = self.len // stripes
        self.legs: list[tuple[object, int]] = []
        self.error_count: list[int] = []
        for i in range(stripes):
            path, start = args[2 + 2 * i], args[3 + 2 * i]
            if not start.isascii() or not start.isdigit():
                raise TargetError("Couldn't parse stripe destination")
            dev = self.get_device(path, "Couldn't parse stripe destination")
            self.legs.append((dev, int(start)))
            self.error_count.append(0)
        self.max_io_len = chunk  # dm core hands each chunk to map() on its own
        self.num_flush_bios = self.num_discard_bios = self.num_write_zeroes_bios = stripes

    def _map_sector(self, sector: int) -> tuple[int, int]:
        """stripe_map_sector(): (stripe, sector on that stripe's device from its start) of a target sector."""
        chunk_no, offset = divmod(sector, self.chunk)
        stripe = chunk_no % self.stripes
        return stripe, (chunk_no // self.stripes) * self.chunk + offset

    def _map_range_sector(self, sector: int, target_stripe: int) -> int:
        """stripe_map_range_sector(): where ``sector`` falls on ``target_stripe`` (rounded to its chunks)."""
        stripe, result = self._map_sector(sector)
        if stripe == target_stripe:
            return result
        result -= result % self.chunk  # round down to this stripe's chunk start
        return result + self.chunk if target_stripe < stripe else result

    def map(self, bio: Bio) -> MapResult:
        if bio.op is Op.FLUSH:
            bio.bdev = self.legs[bio.target_bio_nr][0]
            return MapResult.REMAPPED
        offset = self.target_offset(bio.sector)
        if bio.op is Op.DISCARD or bio.op is Op.WRITE_ZEROES:
            stripe = bio.target_bio_nr
            begin = self._map_range_sector(offset, stripe)
            end = self._map_range_sector(offset + bio.nr_sectors, stripe)
            if begin >= end:
                bio.endio(0)  # the range does not touch this stripe
                return MapResult.SUBMITTED
            dev, start = self.legs[stripe]
            bio.bdev, bio.sector, bio.nr_sectors = dev, start + begin, end - begin
            return MapResult.REMAPPED
        stripe, sector = self._map_sector(offset)
        dev, start = self.legs[stripe]
        bio.bdev, bio.sector = dev, start + sector
        return MapResult.REMAPPED

    def end_io(self, bio: Bio, status: int) -> tuple[EndIO, int]:
        """stripe_end_io(): count an error against every stripe on the failing device, raising an event
        until the count reaches the threshold (readahead and EOPNOTSUPP do not count)."""
        if status and status != -EOPNOTSUPP and not bio.flags & Flag.RAHEAD:
            for stripe, (dev, _start) in enumerate(self.legs):
                if dev is bio.bdev:
                    self.error_count[stripe] += 1
                    if self.error_count[stripe] < DM_IO_ERROR_THRESHOLD:
                        self.event()
        return EndIO.DONE, status

    def status(self, kind: StatusType, flags: int = 0) -> str:
        if kind is StatusType.INFO:
            devs = " ".join(dev.devno for dev, _ in self.legs)
            health = "".join("D" if n else "A" for n in self.error_count)
            return f"{self.stripes} {devs} 1 {health}"
        legs = "".join(f" {dev.devno} {start}" for dev, start in self.legs)
        return f"{self.stripes} {self.chunk}{legs}"

    def iterate_devices(self):
        return [(dev, start, self.stripe_width) for dev, start in self.legs]

    def io_hints(self, limits) -> None:
        """stripe_io_hints(): io_min is a chunk, io_opt a whole stripe."""
        chunk_bytes = self.chunk << 9
        limits.set_io_min(chunk_bytes)
        limits.set_io_opt(chunk_bytes * self.stripes)

    def view(self) -> StripedView:
        return StripedView(self.chunk, tuple(dev.devno for dev, _ in self.legs), tuple(self.error_count))
