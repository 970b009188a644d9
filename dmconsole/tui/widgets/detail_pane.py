"""The selected device's table and status lines, its family's pane, and the workloads on it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.content import Content
from textual.widgets import Static

from ..panes import family_content
from .format import disk_failed, fmt_bytes, fmt_size, target_line

if TYPE_CHECKING:
    from ...engine.views import DeviceView, DiskView, EngineView, WorkloadView


class DetailPane(Static):
    """The selected device's `dmsetup table` and `dmsetup status` lines, exactly as dmsetup prints them."""

    _shown_view: object = None

    def show(self, lab_view: EngineView, kind: str | None, name: str | None) -> None:
        if kind == "dm":
            view = lab_view.device(name or "")
        else:
            view = next((d for d in lab_view.disks if d.name == name), None)
        path = (f"/dev/mapper/{name}" if kind == "dm" else f"/dev/{name}") if name else ""
        loads = tuple(w for w in lab_view.workloads if w.device == path)
        if (kind, view, loads) == self._shown_view and view is not None:
            return  # nothing changed: no repaint
        self._shown_view = (kind, view, loads)
        if kind == "dm" and (dev := lab_view.device(name or "")) is not None:
            self.border_title = f"{dev.name} ({dev.devno})"
            self.set_class(dev.suspended, "-suspended")
            self.set_class(False, "-failed")
            self.update(self._device_content(dev) + self._workloads_content(loads))
            return
        disk = next((d for d in lab_view.disks if d.name == name), None) if kind == "disk" else None
        if disk is not None:
            self.border_title = f"{disk.name} ({disk.devno})"
            self.set_class(False, "-suspended")
            self.set_class(disk_failed(disk), "-failed")
            self.update(self._disk_content(disk) + self._workloads_content(loads))
            return
        self.border_title = "Detail"
        self.set_class(False, "-suspended")
        self.set_class(False, "-failed")
        self.update(Content.from_markup("[dim]No device selected. Create one with [b]:[/b] "
                                        "dmsetup create NAME --table '…'[/dim]"))

    @staticmethod
    def _device_content(dev: DeviceView) -> Content:
        state = "[b $dm-suspended]⏸ SUSPENDED[/]" if dev.suspended else "[b $dm-active]ACTIVE[/]"
        flags = []
        if dev.read_only:
            flags.append("read-only")
        if dev.has_inactive:
            flags.append("inactive table loaded")
        if dev.held_bios:
            flags.append(f"{dev.held_bios} bio{'s' if dev.held_bios != 1 else ''} held")
        if dev.in_flight:
            flags.append(f"{dev.in_flight} in flight")
        parts = [
            Content.from_markup(
                f"{state}  open $open  event $event  $size ($sectors sectors)$flags",
                open=str(dev.open_count), event=str(dev.event_nr), size=fmt_size(dev.size),
                sectors=str(dev.size), flags=("  · " + ", ".join(flags)) if flags else ""),
            Content.from_markup("\n[b $dm-prompt]# dmsetup table $name[/]", name=dev.name),
        ]
        for line in dev.live:
            parts.append(Content("\n" + target_line(line.start, line.length, line.type, line.table)))
        if not dev.live:
            parts.append(Content("\n"))
        parts.append(Content.from_markup("\n[b $dm-prompt]# dmsetup status $name[/]", name=dev.name))
        for line in dev.live:
            parts.append(Content("\n" + target_line(line.start, line.length, line.type, line.status)))
        if not dev.live:
            parts.append(Content("\n"))
        parts.extend(family_content(line) for line in dev.live)
        return Content("").join(parts)

    @staticmethod
    def _workloads_content(loads: tuple[WorkloadView, ...]) -> Content:
        """The `io` workloads running on the selected device, with their counters."""
        if not loads:
            return Content("")
        parts = [Content.from_markup("\n\n[b $dm-prompt]# io ls[/] [dim](workloads on this device)[/]")]
        for load in loads:
            errors = "[b $dm-failed]$errors errors[/]" if load.errors else "$errors errors"
            parts.append(Content.from_markup(
                f"\n$name  $state  $ios I/Os  {errors}  written $written  read $read",
                name=load.name, state=load.state, ios=str(load.ios_done), errors=str(load.errors),
                written=fmt_bytes(load.bytes_written), read=fmt_bytes(load.bytes_read)))
        return Content("").join(parts)

    @staticmethod
    def _disk_content(disk: DiskView) -> Content:
        faults = "[b $dm-failed]✗ failed[/]" if disk_failed(disk) else (
            "none" if disk.faults in ("", "-") else "[b $dm-failed]$faults[/]")
        dirty = f"{disk.dirty_sectors} sector{'' if disk.dirty_sectors == 1 else 's'}"
        cache = f"volatile write cache, {dirty} not yet flushed" if disk.write_cache else (
            "no write cache (writes are durable when they complete)")
        return Content.from_markup(
            "[b $dm-disk]disk[/]  /dev/$name  $size ($sectors sectors)  open $open\n"
            f"faults: {faults}\n"
            "reads $reads  writes $writes  errors $errors  stored $stored\n"
            "$cache",
            name=disk.name, size=fmt_size(disk.size), sectors=str(disk.size), open=str(disk.open_count),
            faults=disk.faults, reads=str(disk.reads), writes=str(disk.writes), errors=str(disk.errors),
            stored=fmt_bytes(disk.bytes_stored), cache=cache,
        )
