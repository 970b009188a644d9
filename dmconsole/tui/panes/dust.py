"""The dust pane: the bad-block list, and whether reads of bad blocks fail."""

from __future__ import annotations

from textual.content import Content

from ...engine.views import TargetView
from . import pane

BAD_BLOCKS_SHOWN = 24  # bad-block numbers listed (the count is always exact)


@pane("dust")
def dust_pane(target: TargetView) -> Content:
    view = target.detail
    count = view.bad_block_count
    blocks = view.bad_blocks[:BAD_BLOCKS_SHOWN]
    shown = " ".join(str(b) for b in blocks)
    if count > len(blocks):
        shown += " …"
    reads = "[b $dm-failed]reads fail[/]" if view.enabled else "[dim]bypass: reads succeed[/]"
    return Content.from_markup(
        f"\n\n[b $dm-prompt]# dust bad blocks[/] [dim](sector $start, $size-byte blocks)[/]\n"
        f"$count bad block$plural{': ' if count else ''}$blocks  {reads}",
        start=str(target.start), size=str(view.block_size), count=str(count),
        plural="" if count == 1 else "s", blocks=shown)
