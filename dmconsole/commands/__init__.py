"""The command language: one registry, a shell subset, dmsetup, dd, blockdev and the lab commands."""

from . import dd, dmsetup, io, lab, resize  # noqa: F401 - register their commands
from .registry import REGISTRY, Command, commands
from .session import Session

__all__ = ["REGISTRY", "Command", "Session", "commands"]
