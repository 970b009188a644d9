"""What the commands run from the console printed."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.widgets import RichLog


class OutputLog(RichLog):
    """What the commands run from the console printed, after an echo of each command line."""

    COMPONENT_CLASSES = {"output-log--prompt", "output-log--stderr", "output-log--status"}

    def __init__(self, **kwargs):
        super().__init__(max_lines=5000, wrap=False, markup=False, highlight=False, **kwargs)

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(name, partial=True)

    def command(self, line: str) -> None:
        self.write(Text.assemble(("$ ", self._style("output-log--prompt")), (line, self._style("output-log--prompt"))))

    def output(self, text: str, stderr: bool = False) -> None:
        self.write(Text(text, style=self._style("output-log--stderr") if stderr else ""))

    def status(self, text: str) -> None:
        self.write(Text(text, style=self._style("output-log--status")))
