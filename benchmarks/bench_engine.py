"""Throughput and scale figures for the engine (run by hand; see README.md here).

    python benchmarks/bench_engine.py
"""

from __future__ import annotations

import time
import tracemalloc

from dmconsole.engine import Engine
from dmconsole.engine.block.bio import Op
from dmconsole.engine.core.waits import run_now


def build(engine: Engine) -> None:
    engine.block.modprobe_brd(4, 1024 * 1024)  # 4 x 1 GiB ram disks
    engine.dm.dev_create("lin")
    engine.dm.table_load("lin", [(0, 2097152, "linear", "/dev/ram0 0")])
    run_now(engine.dm.dev_resume("lin"))
    engine.dm.dev_create("str")
    engine.dm.table_load("str", [(0, 4194304, "striped", "2 128 /dev/ram1 0 /dev/ram2 0")])
    run_now(engine.dm.dev_resume("str"))
    engine.dm.dev_create("top")
    engine.dm.table_load("top", [(0, 4194304, "linear", "/dev/mapper/str 0")])
    run_now(engine.dm.dev_resume("top"))


def throughput(engine: Engine, name: str, block: int, total: int) -> float:
    md = engine.dm.devices[name]
    buf = memoryview(bytearray(b"\xa5" * block))
    sectors = block // 512
    start = time.perf_counter()
    for i in range(total // block):
        bio = engine.submit(md, Op.WRITE, (i * sectors) % (md.size_sectors - sectors), sectors, buf)
        assert bio.done and not bio.status
    return total / (time.perf_counter() - start) / 2**20


def main() -> None:
    engine = Engine()
    build(engine)
    for name in ("lin", "str", "top"):
        for block in (4096, 65536, 1 << 20):
            mib_s = throughput(engine, name, block, 64 << 20)
            print(f"write {name:<4} bs={block:>7}: {mib_s:8.1f} MiB/s")
    tracemalloc.start()
    big = Engine()
    big.block.disk_create("huge", 10 * 2**40 // 512)  # 10 TiB
    big.dm.dev_create("h")
    big.dm.table_load("h", [(0, 10 * 2**40 // 512, "linear", "/dev/huge 0")])
    run_now(big.dm.dev_resume("h"))
    current, peak = tracemalloc.get_traced_memory()
    print(f"10 TiB disk + linear device, unwritten: {peak / 1024:.0f} KiB peak")
    tracemalloc.stop()


if __name__ == "__main__":
    main()
