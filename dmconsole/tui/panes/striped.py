"""The striped pane: each stripe's device and the I/O errors counted on it."""

from __future__ import annotations

from textual.content import Content

from ...engine.views import TargetView
from . import pane


@pane("striped")
def striped_pane(target: TargetView) -> Content:
    view = target.detail
    legs = "  ".join(f"{leg}: {'[b $dm-failed]' + str(errors) + ' errors[/]' if errors else 'ok'}"
                     for leg, errors in zip(view.legs, view.error_counts, strict=True))
    return Content.from_markup(
        f"\n\n[b $dm-prompt]# stripes[/] [dim]($chunk-sector chunks)[/]\n{legs}", chunk=str(view.chunk_sectors))
