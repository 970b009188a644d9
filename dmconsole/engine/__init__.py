"""The device-mapper engine: the block layer, device-mapper and its targets, on a lab clock.

Layers inside it (imports point down only): ``core`` (clock, wait queues, kernel log,
errno, the engine thread) ← ``block`` ← ``dm`` ← ``targets``; ``views`` are plain data;
``engine.py`` puts one lab's kernel together.
"""

from .core.errno import DMError
from .engine import Engine

__all__ = ["DMError", "Engine"]
