"""The delay pane: each class's delay and the bios it holds now."""

from __future__ import annotations

from textual.content import Content

from ...engine.views import TargetView
from . import pane


@pane("delay")
def delay_pane(target: TargetView) -> Content:
    view = target.detail
    classes = "  ".join(f"{name} $d{i} ms, $h{i} held" for i, name in enumerate(("reads", "writes", "flushes")))
    values = {f"d{i}": str(delay) for i, delay in enumerate(view.delays_ms)}
    values |= {f"h{i}": str(held) for i, held in enumerate(view.held)}
    state = "" if view.delaying else "  [b $dm-suspended]not delaying (suspending)[/]"
    return Content.from_markup(f"\n\n[b $dm-prompt]# delay[/] [dim](sector $start)[/]\n{classes}{state}",
                               start=str(target.start), **values)
