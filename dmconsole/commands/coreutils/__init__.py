"""The standard tools scripts call (GNU coreutils, util-linux, kmod): dd, blockdev, sleep, timeout, …"""

from . import blockdev, dd, system, text, timing  # noqa: F401 - register their commands
