"""Target families, one module each; importing this package registers them all."""

from . import delay, dust, error, flakey, linear, striped, zero  # noqa: F401
