"""The command language: one registry, one resolver, the shell subset, dmsetup, the standard tools and the
lab's own commands."""

from . import builtins, coreutils, dmsetup, io, lab, resize  # noqa: F401 - register their commands
from .registry import REGISTRY, Command, commands
from .session import Session

__all__ = ["REGISTRY", "Command", "Session", "commands"]
