"""The engine's core: the lab clock, wait queues and tasks, the kernel log, errno, the engine thread."""
