"""Kernel error numbers, their strerror texts, and the error a dm ioctl raises."""

from __future__ import annotations

import errno as _errno

EPERM = _errno.EPERM
ENOENT = _errno.ENOENT
EINTR = _errno.EINTR
EIO = _errno.EIO
ENXIO = _errno.ENXIO
EBADF = _errno.EBADF
ENOMEM = _errno.ENOMEM
EBUSY = _errno.EBUSY
EEXIST = _errno.EEXIST
ENODEV = _errno.ENODEV
ENOTDIR = _errno.ENOTDIR
EINVAL = _errno.EINVAL
ENOSPC = _errno.ENOSPC
ESPIPE = _errno.ESPIPE
EROFS = _errno.EROFS
ENODATA = _errno.ENODATA
EOVERFLOW = _errno.EOVERFLOW
EOPNOTSUPP = _errno.EOPNOTSUPP
ETIMEDOUT = _errno.ETIMEDOUT

# glibc's strerror() texts, which dmsetup and dd print.
STRERROR = {
    0: "Success",
    EPERM: "Operation not permitted",
    ENOENT: "No such file or directory",
    EINTR: "Interrupted system call",
    ENXIO: "No such device or address",
    EIO: "Input/output error",
    EBADF: "Bad file descriptor",
    ENOTDIR: "Not a directory",
    ESPIPE: "Illegal seek",
    EOVERFLOW: "Value too large for defined data type",
    EBUSY: "Device or resource busy",
    EEXIST: "File exists",
    ENODEV: "No such device",
    EINVAL: "Invalid argument",
    ENOSPC: "No space left on device",
    EROFS: "Read-only file system",
    ENOMEM: "Cannot allocate memory",
    EOPNOTSUPP: "Operation not supported",
    ENODATA: "No data available",
    ETIMEDOUT: "Connection timed out",
}

# The kernel's %pe names for the errnos a constructor returns.
ERRNO_NAME = {
    EPERM: "EPERM",
    ENOENT: "ENOENT",
    EINTR: "EINTR",
    ENXIO: "ENXIO",
    EIO: "EIO",
    EBUSY: "EBUSY",
    EEXIST: "EEXIST",
    ENODEV: "ENODEV",
    EINVAL: "EINVAL",
    ENOSPC: "ENOSPC",
    EROFS: "EROFS",
    ENOMEM: "ENOMEM",
    EOPNOTSUPP: "EOPNOTSUPP",
}


def strerror(err: int) -> str:
    """glibc's text for an errno (positive or negative)."""
    err = abs(err)
    return STRERROR.get(err, f"Unknown error {err}")


class DMError(Exception):
    """A failed dm ioctl or system call: the errno the caller (dmsetup, dd) reports."""

    def __init__(self, err: int, reason: str = ""):
        super().__init__(reason or strerror(err))
        self.errno = abs(err)
        self.reason = reason


class TargetError(Exception):
    """A constructor or message failure: ``ti->error`` text and the errno returned."""

    def __init__(self, reason: str, err: int = EINVAL):
        super().__init__(reason)
        self.reason = reason
        self.errno = abs(err)
