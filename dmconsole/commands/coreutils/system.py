"""modprobe (kmod) and dmesg (util-linux): the modules the lab has, and the kernel log."""

from __future__ import annotations

from ..context import Context
from ..registry import command


@command("dmesg", "Show the kernel log (-c: then clear it)", "dmesg [-c|-C]")
def dmesg(ctx: Context, argv: list[str]) -> int:
    klog = ctx.engine.klog
    if "-C" not in argv:
        for line in klog.lines():
            ctx.out(line.dmesg())
    if "-c" in argv or "-C" in argv:
        klog.clear()
    return 0


@command(
    "modprobe",
    "Load a module: `modprobe brd rd_nr=N rd_size=KIB` makes /dev/ram0..",
    "modprobe brd [rd_nr=N] [rd_size=KIB]",
)
def modprobe(ctx: Context, argv: list[str]) -> int:
    if not argv:
        ctx.err("modprobe: ERROR: missing parameters. See -h.")
        return 1
    module, params = argv[0], argv[1:]
    if module.startswith("dm-") or module.startswith("dm_") or module in ("dm_mod", "raid456", "raid1", "raid10"):
        return 0  # the device-mapper modules are built in here
    if module != "brd":
        ctx.err(f"modprobe: FATAL: Module {module} not found in directory /lib/modules/6.1.0-dmconsole")
        return 1
    values = {"rd_nr": 16, "rd_size": 4096, "max_part": 1}
    for param in params:
        key, _, value = param.partition("=")
        if key not in values or not value.isdigit():
            ctx.engine.klog.log(f"brd: unknown parameter '{key}' ignored")
            continue
        values[key] = int(value)
    ctx.engine.block.modprobe_brd(values["rd_nr"], values["rd_size"])
    return 0
