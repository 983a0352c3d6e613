"""Storages for the disk-full tests (issue 24 point F): real storages on a real folder, with a disk that is
smaller than it looks. Named in settings.STORAGES by the tests."""

import errno
import os

from ops.storage import SafeFileSystemStorage

FULL_AFTER_BYTES = 64 * 1024


class TinyDiskStorage(SafeFileSystemStorage):
    """A disk of 64 KB: what the form is told before anything is written."""

    def free_bytes(self) -> int:
        return FULL_AFTER_BYTES


class FillingDiskStorage(SafeFileSystemStorage):
    """A disk that looks roomy but fills while the file is written: 64 KB go down, then ENOSPC."""

    def write_chunks(self, out, content) -> None:
        written = 0
        for chunk in content.chunks(chunk_size=16 * 1024):
            if written + len(chunk) > FULL_AFTER_BYTES:
                out.flush()
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            out.write(chunk)
            written += len(chunk)
