"""File output that never leaves a half-written file, and never replaces what it should not; and
`open_regular`, which reads only regular files of bounded size (never /dev/zero, never a FIFO).

A regular file (or a new one) is written to a temporary file beside it and renamed over it when complete.
The temporary name is short and fixed in length (``.gvz-<name digest>-<pid>-<random>.tmp``), so a target
name of up to the file system's limit (255 bytes) still works, and a temp left behind by a killed writer
is recognised as ganviz's own and removed by the next save to the same target.

* A symbolic link is followed: the temp goes beside the file it points to and replaces that file, so the
  link stays a link.
* An existing file keeps its permission bits (and, when run as root, its owner); a new one gets
  0o666 minus the umask, like any file a program creates.
* A device, FIFO or other non-regular target (``/dev/null``, ``/dev/stdout``, a named pipe) is written in
  place: renaming a file over it would replace the device itself.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import secrets
import stat
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

TEMP_PREFIX = ".gvz-"
STALE_SECONDS = 60.0  # a temp this old (or whose writer is gone) is a leftover, not a save in progress
_TEMP_RE = re.compile(r"\.gvz-([0-9a-f]{12})-([0-9]+)-[0-9a-f]{8}\.tmp(\.[A-Za-z0-9]{1,8})?")


def _digest(name: str) -> str:
    """12 hex digits naming the target inside its folder (its temps' names must not grow with its name)."""
    return hashlib.sha256(os.fsencode(name)).hexdigest()[:12]


def _stat(path: Path) -> os.stat_result | None:
    """os.stat (following links), None when nothing is there (or a link points nowhere)."""
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None


def real_target(path: str | os.PathLike) -> Path:
    """Where a regular-file write to `path` lands: a symbolic link's final target, else `path` itself."""
    p = Path(path)
    try:
        link = stat.S_ISLNK(os.lstat(p).st_mode)
    except OSError:
        link = False
    return Path(os.path.realpath(p)) if link else p


def _folder(p: Path) -> Path:
    return p.parent if str(p.parent) else Path(".")


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, OverflowError):
        return True  # someone else's live process (or a pid we cannot ask about): leave its file alone
    return True


def clean_stale_temps(target: str | os.PathLike) -> list[Path]:
    """Remove ganviz's own temps for `target` left by a killed writer (its pid is gone, or the file has
    not changed for STALE_SECONDS); returns those removed. Other files are never touched."""
    p = real_target(target)
    digest, removed, now = _digest(p.name), [], time.time()
    try:
        entries = list(os.scandir(_folder(p)))
    except OSError:
        return removed
    for entry in entries:
        m = _TEMP_RE.fullmatch(entry.name)
        if not m or m.group(1) != digest:
            continue
        try:
            st = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(st.st_mode):
                continue
            if not _pid_alive(int(m.group(2))) or now - st.st_mtime > STALE_SECONDS:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue  # gone already, or not ours to remove
    return removed


def _new_temp(p: Path, existing: os.stat_result | None, suffix: str = "") -> tuple[int, str]:
    """An open fd and the path of a fresh temp beside `p` (a regular target), with the mode it will keep."""
    folder = _folder(p)
    for _ in range(100):
        name = f"{TEMP_PREFIX}{_digest(p.name)}-{os.getpid()}-{secrets.token_hex(4)}.tmp{suffix}"
        tmp = os.path.join(folder, name)
        try:
            # 0o666: the kernel takes the umask off, so a new file gets the mode any new file would get
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
        except FileExistsError:
            continue
        break
    else:
        raise FileExistsError(f"no free temporary name in {folder}")
    if existing is not None:
        try:
            if hasattr(os, "fchmod"):
                os.fchmod(fd, stat.S_IMODE(existing.st_mode))
            if hasattr(os, "fchown") and os.geteuid() == 0 and existing.st_uid != 0:
                os.fchown(fd, existing.st_uid, existing.st_gid)
        except OSError:
            pass  # best effort: the content matters more than the bits
    return fd, tmp


def temp_beside(path: str | os.PathLike, suffix: str = "") -> str:
    """A closed, empty temp for a writer that needs a file name (Qt, imageio, ffmpeg); hand it to
    `commit_temp` when complete. `suffix` (".png") keeps the extension such writers go by.

    Beside the target for a regular (or new) file; in the system temp folder for a device or FIFO, whose
    folder (/dev) must not be written to."""
    st = _stat(Path(path))  # the kernel follows links, /proc/self/fd/N magic ones included
    if st is not None and not stat.S_ISREG(st.st_mode):
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=f".tmp{suffix}")
    else:
        p = real_target(path)
        clean_stale_temps(p)
        fd, tmp = _new_temp(p, st, suffix)
    os.close(fd)
    return tmp


def commit_temp(tmp: str | os.PathLike, path: str | os.PathLike) -> None:
    """Put a complete temp from `temp_beside` in place: renamed over a regular file, copied into a device
    or FIFO. The temp is gone afterwards either way."""
    st = _stat(Path(path))
    try:
        if st is not None and not stat.S_ISREG(st.st_mode):
            with open(tmp, "rb") as src, open(path, "wb") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
        else:
            p = real_target(path)
            os.replace(tmp, p)
            _sync_folder(_folder(p))
    finally:
        Path(tmp).unlink(missing_ok=True)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (best effort: not every system opens folders)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (AttributeError, ValueError, OSError):
        return 255


def check_writable(path: str | os.PathLike) -> str | None:
    """None when `path` can be written, else a short reason. Tries what the write will do (a temp file
    beside the target, created and removed), so a read-only file system, a name too long for it or a
    folder only root may not write to are found before any work is done, not after."""
    p = Path(path)
    try:
        st = _stat(p)
    except OSError as e:  # a loop of links, a file used as a folder, a name too long (said below)
        if e.errno != errno.ENAMETOOLONG:
            return f"{p}: {e.strerror or e}"
        st = None
    if st is not None and stat.S_ISDIR(st.st_mode):
        return f"{p} is a directory"
    if st is not None and not os.access(p, os.W_OK):
        return f"{p} is not writable"
    if st is not None and not stat.S_ISREG(st.st_mode):
        if stat.S_ISSOCK(st.st_mode):
            return f"{p} is a socket, not a file"
        return None  # a device or FIFO: written in place
    target = real_target(p)
    folder = _folder(target)
    if not folder.is_dir():
        return f"folder {folder} does not exist"
    size, limit = len(os.fsencode(target.name)), _name_max(folder)
    if size > limit:
        return f"the file name is {size} bytes long; at most {limit} are allowed there"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"{p} is not writable"
    try:
        fd, tmp = _new_temp(target, None)
    except OSError as e:
        return f"{p} is not writable ({e.strerror or e})"
    os.close(fd)
    Path(tmp).unlink(missing_ok=True)
    return None


class NotReadable(ValueError):
    """A path that is not read: not a regular file, or larger than the reader takes (one-line reason)."""

    def __init__(self, message: str, too_large: bool = False) -> None:
        super().__init__(message)
        self.too_large = too_large


def open_regular(path: str | os.PathLike, limit: int, what: str = "the file") -> IO[bytes]:
    """`path` open for reading in binary, if it is a regular file of at most `limit` bytes.

    Opened without blocking (a FIFO would wait for a writer forever) and checked on the open file, so a
    device (/dev/zero, which never ends), a FIFO or a folder is refused at once: NotReadable. OSError
    when it cannot be opened at all. Read at most `limit` + 1 bytes from it, in case it grows."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise NotReadable(f"{os.fspath(path)} is a folder, not a file")
        if not stat.S_ISREG(st.st_mode):
            raise NotReadable(f"{os.fspath(path)} is a device, FIFO or socket, not a regular file")
        if st.st_size > limit:
            raise NotReadable(f"{os.fspath(path)} is {st.st_size:,} bytes; {what} may be at most {limit:,}", True)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def write_atomic(path: str | os.PathLike, write: Callable[[IO[bytes]], None]) -> None:
    """Call `write(f)` with a binary file whose content becomes `path`'s only if `write` completes."""
    st = _stat(Path(path))  # the kernel follows links, /proc/self/fd/N magic ones included
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(21, "Is a directory", os.fspath(path))
    if st is not None and not stat.S_ISREG(st.st_mode):
        with open(path, "wb") as f:  # a device or FIFO: in place (there is no old content to keep)
            write(f)
        return
    p = real_target(path)
    clean_stale_temps(p)
    fd, tmp = _new_temp(p, st)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _sync_folder(_folder(p))
