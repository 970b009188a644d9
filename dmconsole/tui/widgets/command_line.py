"""The `:` command line, with history and completion from the command language."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.suggester import Suggester
from textual.widgets import Input

from ...commands.completion import candidates
from ...commands.shell import ShellSyntaxError, tokenize

if TYPE_CHECKING:
    from ...engine.views import EngineView


class CommandSuggester(Suggester):
    """Completes the last word of a command line with what the command language offers there."""

    def __init__(self, view: Callable[[], EngineView | None]):
        super().__init__(use_cache=False, case_sensitive=True)
        self._view = view  # the console's latest view

    async def get_suggestion(self, value: str) -> str | None:
        view = self._view()
        if not value or value.endswith(" ") or view is None:
            return None
        try:
            words = [token for token, is_op in tokenize(value) if not is_op]
        except ShellSyntaxError:
            return None
        if not words:
            return None
        word = words[-1]
        for candidate in candidates(words, view):
            if candidate.startswith(word) and candidate != word:
                return value + candidate[len(word) :]
        return None


class CommandLine(Input):
    """The `:` command line: the whole command language, with history (up/down) and completion (right)."""

    BINDINGS = [
        Binding("enter", "submit", "Run"),
        Binding("escape", "app.hide_command_line", "Close"),
        Binding("tab", "complete", "Complete"),
        Binding("up", "history(-1)", "History", key_display="↑↓"),
        Binding("down", "history(1)", "Next", show=False),
    ]

    def __init__(self, view: Callable[[], EngineView | None], **kwargs):
        super().__init__(placeholder="dmsetup status · sleep 2 · help · disk fault sdb fail …  (Esc closes)",
                         suggester=CommandSuggester(view), select_on_focus=False, **kwargs)
        self.history: list[str] = []
        self._index = 0

    def remember(self, line: str) -> None:
        if line and (not self.history or self.history[-1] != line):
            self.history.append(line)
        self._index = len(self.history)

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        self._index = max(0, min(len(self.history), self._index + step))
        self.value = self.history[self._index] if self._index < len(self.history) else ""
        self.cursor_position = len(self.value)

    def action_complete(self) -> None:
        if self._suggestion:
            self.value = self._suggestion
            self.cursor_position = len(self.value)
