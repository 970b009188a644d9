"""Modal screens: confirmation for destructive commands, a target message's arguments, and help from the registry."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from ..commands import registry
from ..commands.messages import DeviceMessage


class ConfirmScreen(ModalScreen[bool]):
    """Ask before a destructive command runs: the exact command line, what it touches. Cancel has the focus."""

    AUTO_FOCUS = "#cancel"
    BINDINGS = [
        Binding("escape,n", "answer(False)", "Cancel"),
        Binding("y", "answer(True)", "Run it"),
        Binding("left,right", "switch", "Switch", show=False),
    ]

    def __init__(self, line: str, summaries: list[str], impact: list[str]):
        super().__init__()
        self.line = line
        self.summaries = summaries
        self.impact = impact

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(Content.from_markup("[b $error]Destructive command[/] — run it?"), id="confirm-title")
            yield Static(Content(self.line), id="confirm-line")
            lines = [f"• {s}" for s in self.summaries] + self.impact
            yield Static(Content("\n".join(lines)), id="confirm-impact")
            with Horizontal(id="confirm-buttons"):
                yield Button("Cancel (n)", id="cancel", variant="default")
                yield Button("Run (y)", id="confirm", variant="error")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    def action_switch(self) -> None:
        if self.focused is not None and self.focused.id == "cancel":
            self.query_one("#confirm", Button).focus()
        else:
            self.query_one("#cancel", Button).focus()


class MessageScreen(ModalScreen[str | None]):
    """Ask for a target message's arguments, showing their usage and the exact command line as it is typed.

    Dismisses with the arguments typed (Enter, once their count is right) or None (Esc).
    """

    AUTO_FOCUS = "#message-args"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, message: DeviceMessage):
        super().__init__()
        self.message = message

    def compose(self) -> ComposeResult:
        message = self.message
        with Vertical(id="dialog"):
            yield Label(Content.from_markup("[b $primary]$title[/]  [b]$args[/]", title=message.title,
                                            args=message.usage), id="message-title")
            about = f"{message.target_type} target at sector {message.sector}: {message.help}"
            if message.note:
                about += f"\n{message.note}"
            yield Static(Content(about), id="message-help")
            yield Input(placeholder=message.usage, id="message-args", select_on_focus=False)
            yield Static(Content(message.line()), id="message-line")
            yield Static(Content.from_markup("[dim]Enter sends it · Esc cancels[/]"), id="message-error")

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.query_one("#message-line", Static).update(Content(self.message.line(event.value)))
        self.query_one("#message-error", Static).update(Content.from_markup("[dim]Enter sends it · Esc cancels[/]"))
        self.query_one("#message-error").remove_class("-error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        problem = self.message.check_args(event.value)
        if problem:
            error = self.query_one("#message-error", Static)
            error.update(Content(problem))
            error.add_class("-error")
            return
        self.dismiss(" ".join(event.value.split()))

    def action_cancel(self) -> None:
        self.dismiss(None)


def help_text(bindings: list[tuple[str, str]]) -> Content:
    """Keys, then every command of the registry with its usage and summary."""
    parts = [Content.from_markup("[b $primary]Keys[/]\n")]
    for key, description in bindings:
        parts.append(Content.from_markup("  [b]$key[/] $description\n", key=f"{key:<10}", description=description))
    parts.append(Content.from_markup(
        "\n[b $primary]Commands[/]  [dim]type them on the command line (:), or pick them from the palette "
        "(ctrl+p); `dmsetup` may be left out[/]\n"))
    for cmd in registry.commands():
        if cmd.name == "dmsetup":
            continue
        marks = []
        if cmd.palette:
            marks.append("palette")
        if cmd.destructive:
            marks.append("asks first")
        parts.append(Content.from_markup(
            "  [b]$name[/] $summary [dim]$marks[/]\n      [$dm-prompt]$usage[/]\n",
            name=cmd.name, summary=cmd.summary, marks=f"({', '.join(marks)})" if marks else "", usage=cmd.usage))
    return Content("").join(parts)


class HelpScreen(ModalScreen[None]):
    """Every key and every command, generated from the bindings and the command registry."""

    BINDINGS = [Binding("escape,q,f1,question_mark", "dismiss", "Close")]

    def __init__(self, bindings: list[tuple[str, str]]):
        super().__init__()
        self.bindings_help = bindings

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body") as body:
            body.border_title = "dmconsole help"
            body.border_subtitle = "Esc closes"
            yield Static(help_text(self.bindings_help), id="help-text")
