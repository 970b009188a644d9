"""One pane per target family: what the detail pane shows of a target beyond its table and status lines.

A family's pane is a module here that registers a function for its target type with
``@pane("TYPE")``; the function gets the target's ``TargetView`` (its ``detail`` is the
family's own frozen view) and returns the text to show. Adding a family's pane is adding
its module: every module here is imported when the console starts.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable

from textual.content import Content

from ...engine.views import TargetView

Pane = Callable[[TargetView], Content]
PANES: dict[str, Pane] = {}


def pane(type_name: str) -> Callable[[Pane], Pane]:
    """Register the pane of a target type."""

    def register(fn: Pane) -> Pane:
        PANES[type_name] = fn
        return fn

    return register


def family_content(target: TargetView) -> Content:
    """What the target's family pane shows (nothing for a type without a pane, or without a view)."""
    fn = PANES.get(target.type)
    if fn is None or target.detail is None:
        return Content("")
    return fn(target)


for _module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    importlib.import_module(f"{__name__}.{_module.name}")
