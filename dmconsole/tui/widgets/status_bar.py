"""The status bar: lab time, clock speed or pause, counts, commands still running."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.content import Content
from textual.widgets import Static

if TYPE_CHECKING:
    from ...engine.views import EngineView


class StatusBar(Static):
    """Lab time, clock speed or pause, counts, and commands still running."""

    def show(self, lab_view: EngineView, running: int, stepped: bool) -> None:
        if lab_view.paused:
            clock = "[b $dm-suspended]⏸ paused[/]"
        else:
            clock = "[b $dm-active]▶[/] ×$speed"
        if stepped:
            clock += " [dim](stepped)[/]"
        markup = f" lab [b]$time[/] s  {clock}   $devices devices · $disks disks"
        if lab_view.workloads:
            markup += " · $workloads workloads"
        if running:
            markup += "   [$dm-suspended]$running running[/]"
        markup += "   [dim]: command  ctrl+p palette  ? help[/]"
        self.update(Content.from_markup(
            markup, time=f"{lab_view.time:.3f}", speed=f"{lab_view.speed:g}", devices=str(len(lab_view.devices)),
            disks=str(len(lab_view.disks)), workloads=str(len(lab_view.workloads)),
            running=f"{running} command{'s' if running != 1 else ''}"))
