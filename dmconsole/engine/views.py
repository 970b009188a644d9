"""The immutable views of engine state that front ends read (they never touch live objects).

The engine publishes an ``EngineView`` between two slices of work. A target's own
numbers (a dust target's bad blocks, a delay target's held bios) come as
``TargetView.detail``: the frozen dataclass its family declares (``view_type``),
which the family's console pane knows how to show.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TargetView:
    start: int
    length: int
    type: str
    table: str  # the params of `dmsetup table`
    status: str  # the params of `dmsetup status`
    detail: Any = None  # the family's view (``Target.view()``), or None


@dataclass(frozen=True)
class DeviceView:
    name: str
    major: int
    minor: int
    uuid: str
    suspended: bool
    read_only: bool
    open_count: int
    event_nr: int
    size: int
    live: tuple[TargetView, ...]
    has_inactive: bool
    deps: tuple[str, ...]  # maj:min of each device the live table uses
    held_bios: int
    in_flight: int

    @property
    def devno(self) -> str:
        return f"{self.major}:{self.minor}"

    @property
    def state(self) -> str:
        state = "SUSPENDED" if self.suspended else "ACTIVE"
        return state + (" (READ-ONLY)" if self.read_only else "")

    @property
    def target_types(self) -> str:
        types: list[str] = []
        for line in self.live:
            if line.type not in types:
                types.append(line.type)
        return ",".join(types) or "-"


@dataclass(frozen=True)
class DiskView:
    name: str
    major: int
    minor: int
    size: int
    open_count: int
    faults: str
    bytes_stored: int
    reads: int
    writes: int
    errors: int
    write_cache: bool = False
    dirty_sectors: int = 0  # written into the volatile cache, not yet flushed

    @property
    def devno(self) -> str:
        return f"{self.major}:{self.minor}"


@dataclass(frozen=True)
class WorkloadView:
    name: str
    device: str
    state: str
    ios_done: int
    errors: int
    bytes_written: int
    bytes_read: int


@dataclass(frozen=True)
class EventView:
    seq: int
    time: float
    kind: str  # "event", "klog", "state"
    device: str
    text: str


@dataclass(frozen=True)
class EngineView:
    seq: int
    time: float
    speed: float
    paused: bool
    devices: tuple[DeviceView, ...]
    disks: tuple[DiskView, ...]
    workloads: tuple[WorkloadView, ...]
    events: tuple[EventView, ...]

    def device(self, name: str) -> DeviceView | None:
        for dev in self.devices:
            if dev.name == name:
                return dev
        return None
