"""Where attachments and job files are kept on disk: Django's FileSystemStorage, written whole or not at all.

Django's FileSystemStorage writes straight into the final name: a disk that fills mid-way leaves a
partial file nothing points at (issue 24: 64 KB of an upload). Here each file is written to a hidden
temporary name in the same folder, flushed to disk, then linked to its final name, which never exists
half-written; the temporary name is removed whatever happens. `check_space(size)` tells a form before
anything is written that the file will not fit (keeping MEDIA_RESERVE_BYTES free for the rest).
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage
from django.core.files.utils import validate_file_name


class SafeFileSystemStorage(FileSystemStorage):
    def reserve_bytes(self) -> int:
        return int(getattr(settings, "MEDIA_RESERVE_BYTES", 0))

    def free_bytes(self) -> int:
        os.makedirs(self.location, exist_ok=True)
        return shutil.disk_usage(self.location).free

    def check_space(self, size: int) -> None:
        """OSError(ENOSPC) when a file of `size` bytes would not fit."""
        if self.free_bytes() - size < self.reserve_bytes():
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def write_chunks(self, out, content) -> None:
        for chunk in content.chunks():
            out.write(chunk if isinstance(chunk, bytes) else chunk.encode())

    def save(self, name, content, max_length=None):
        if name is None:
            name = content.name
        if not hasattr(content, "chunks"):
            content = File(content, name)
        validate_file_name(name, allow_relative_path=True)
        name = self.get_available_name(name, max_length=max_length)
        validate_file_name(name, allow_relative_path=True)
        directory = os.path.dirname(self.path(name))
        if self.directory_permissions_mode is not None:
            old_umask = os.umask(0o777 & ~self.directory_permissions_mode)
            try:
                os.makedirs(directory, self.directory_permissions_mode, exist_ok=True)
            finally:
                os.umask(old_umask)
        else:
            os.makedirs(directory, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=".partial-")
        try:
            with os.fdopen(fd, "wb") as out:
                if hasattr(content, "seek"):
                    content.seek(0)
                self.write_chunks(out, content)
                out.flush()
                os.fsync(out.fileno())
            while True:
                try:
                    os.link(temporary, self.path(name))  # never replaces a file: another name if taken
                    break
                except FileExistsError:
                    name = self.get_available_name(name, max_length=max_length)
            if self.file_permissions_mode is not None:
                os.chmod(self.path(name), self.file_permissions_mode)
        finally:
            os.unlink(temporary)
        return str(name).replace("\\", "/")
