"""Device events, state changes and kernel-log lines, each once, with lab timestamps."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual.widgets import RichLog

if TYPE_CHECKING:
    from ...engine.views import EventView


class EventLog(RichLog):
    """Device events, state changes and kernel-log lines, each once, with lab timestamps."""

    COMPONENT_CLASSES = {"event-log--time", "event-log--event", "event-log--klog", "event-log--state",
                         "event-log--device"}

    def __init__(self, **kwargs):
        super().__init__(max_lines=2000, wrap=True, min_width=20, markup=False, highlight=False, **kwargs)
        self.last_seq = 0

    def add_events(self, events: tuple[EventView, ...]) -> int:
        added = 0
        for event in events:
            if event.seq <= self.last_seq:
                continue
            self.last_seq = event.seq
            self.write(self.format_event(event))
            added += 1
        return added

    def format_event(self, event: EventView) -> Text:
        def style(name: str) -> Style:
            return self.get_component_rich_style(name, partial=True)

        text = Text()
        text.append(f"[{event.time:10.3f}] ", style("event-log--time"))
        kind_style = style(f"event-log--{event.kind}") if event.kind in ("event", "klog", "state") else Style()
        if event.kind == "klog":
            text.append(event.text, kind_style)
            return text
        if event.device:
            text.append(event.device, style("event-log--device"))
            text.append(": ")
        text.append(event.text, kind_style)
        return text
