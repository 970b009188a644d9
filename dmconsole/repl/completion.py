"""The REPL's completer: what the command language offers next (``commands.completion``), as prompt_toolkit
completions."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from ..commands.completion import candidates
from ..commands.shell import ShellSyntaxError, tokenize
from ..engine.views import EngineView


class CommandCompleter(Completer):
    def __init__(self, view: Callable[[], EngineView]):
        self.view = view

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterable[Completion]:
        text = document.text_before_cursor
        try:
            words = [t for t, is_op in tokenize(text) if not is_op]
        except ShellSyntaxError:
            return
        if not text or text[-1].isspace():
            words.append("")
        if not words:
            words = [""]
        current = words[-1]
        for word in candidates(words, self.view()):
            yield Completion(word, start_position=-len(current))
