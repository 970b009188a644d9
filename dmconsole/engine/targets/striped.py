"""dm-stripe: spread chunks round-robin across devices; counts errors per stripe."""

from __future__ import annotations

from ..bio import Bio, Flag, Op, chain
from ..errors import EOPNOTSUPP, TargetError
from ..target import Target, register

DM_IO_ERROR_THRESHOLD = 15


@register
class Striped(Target):
    name = "striped"
    version = (1, 6, 0)

    def ctr(self, args: list[str]) -> None:
        if len(args) < 2:
            raise TargetError("Not enough arguments")
        if not args[0].isdigit() or int(args[0]) == 0:
            raise TargetError("Invalid stripe count")
        stripes = int(args[0])
        if not args[1].isdigit() or int(args[1]) == 0:
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
        self.legs = []
        self.error_count = []
        for i in range(stripes):
            path, start = args[2 + 2 * i], args[3 + 2 * i]
            if not start.isdigit():
                raise TargetError("Couldn't parse stripe destination")
            dev = self.get_device(path, "Couldn't parse stripe destination")
            self.legs.append((dev, int(start)))
            self.error_count.append(0)

    def map(self, bio: Bio) -> None:
        if bio.op is Op.FLUSH:
            clones = [Bio(Op.FLUSH, 0, 0, None, bio.flags) for _ in self.legs]
            chain(bio, clones)
            for (dev, _), clone in zip(self.legs, clones, strict=True):
                self.submit_to(dev, clone)
            return
        pieces = []
        sector, done = bio.sector, 0
        while done < bio.nr_sectors:
            chunk_no, offset = divmod(sector, self.chunk)
            stripe = chunk_no % self.stripes
            leg_chunk = chunk_no // self.stripes
            take = min(self.chunk - offset, bio.nr_sectors - done)
            dev, start = self.legs[stripe]
            clone = bio.clone(start + leg_chunk * self.chunk + offset, take, done)
            pieces.append((stripe, clone))
            sector += take
            done += take
        chain(bio, [c for _, c in pieces])
        for stripe, clone in pieces:
            self._submit_leg(stripe, clone)

    def _submit_leg(self, stripe: int, clone: Bio) -> None:
        finished = clone.end_io

        def end_io(c: Bio) -> None:
            # stripe_end_io(): count errors (not readahead, not EOPNOTSUPP) and raise an event.
            if c.status and c.status != -EOPNOTSUPP and not (c.flags & Flag.RAHEAD):
                self.error_count[stripe] += 1
                if self.error_count[stripe] < DM_IO_ERROR_THRESHOLD:
                    self.event()
            finished(c)

        clone.end_io = end_io
        self.submit_to(self.legs[stripe][0], clone)

    def status_info(self) -> str:
        devs = " ".join(dev.devno for dev, _ in self.legs)
        health = "".join("D" if n else "A" for n in self.error_count)
        return f"{self.stripes} {devs} 1 {health}"

    def status_table(self) -> str:
        legs = "".join(f" {dev.devno} {start}" for dev, start in self.legs)
        return f"{self.stripes} {self.chunk}{legs}"

    def iterate_devices(self):
        return [(dev, start, self.stripe_width) for dev, start in self.legs]

    def io_opt_sectors(self) -> int:
        return self.chunk * self.stripes

    def snapshot_details(self) -> dict:
        return {"error_count": list(self.error_count)}

