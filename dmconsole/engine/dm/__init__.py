"""device-mapper core: the target contract, tables, mapped devices and the dm ioctls."""
