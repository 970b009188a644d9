"""The flakey pane: up or down now, for how long, and what it does to I/O while down."""

from __future__ import annotations

from textual.content import Content

from ...engine.views import TargetView
from . import pane


@pane("flakey")
def flakey_pane(target: TargetView) -> Content:
    view = target.detail
    state = "[b $dm-active]up[/]" if view.up else "[b $dm-failed]down[/]"
    change = "" if view.seconds_to_change is None else " for $change more s"
    if view.drop_writes:
        down = "writes are dropped, reads pass"
    elif view.error_writes:
        down = "writes fail, reads pass"
    elif view.corrupt_bio_byte:
        down = f"byte {view.corrupt_bio_byte} of matching bios is corrupted"
    else:
        down = "every I/O fails"
    return Content.from_markup(
        f"\n\n[b $dm-prompt]# flakey[/] [dim](up $up s, down $down_s s)[/]\n{state}{change}  [dim]while down: "
        "$down[/]",
        up=str(view.up_interval), down_s=str(view.down_interval), change=str(view.seconds_to_change), down=down)
