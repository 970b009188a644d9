"""Target families, one module each; importing this package registers them all."""

from . import error, linear, striped, zero  # noqa: F401
