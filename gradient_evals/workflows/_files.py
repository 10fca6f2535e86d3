"""Files that appear whole or not at all: written beside their destination, moved into place once complete."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import stat
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TypeAlias

import anyio
import anyio.to_thread

from .._exceptions import ExportError

__all__ = ["AtomicFile", "PathLike", "check_destination", "check_report_destinations", "write_text_atomically"]

PathLike: TypeAlias = str | os.PathLike[str]


class AtomicFile:
    """A text file written beside its destination and moved into place only once complete.

    A failed or cancelled export therefore never leaves a truncated file that looks finished. The temporary
    file has an unpredictable name and is created exclusively (``tempfile.mkstemp``: ``O_CREAT | O_EXCL``, and
    ``O_NOFOLLOW`` where the system has it), so a file or symbolic link planted beside the destination is
    never written through, and two exports to one path never share a file: the one that finishes last wins,
    whole. It is removed on every failure; errors name the destination, not the temporary file.
    """

    def __init__(self, path: PathLike) -> None:
        self.path = Path(path)
        self._tmp: str | None = None
        self._mode: int | None = None
        self._file: io.TextIOWrapper | None = None

    async def __aenter__(self) -> AtomicFile:
        # Shielded: a cancellation between creating the file and recording its name would leave it behind.
        with anyio.CancelScope(shield=True):
            self._file = await anyio.to_thread.run_sync(self._open)
        return self

    def _open(self) -> io.TextIOWrapper:
        check_destination(self.path)
        self._mode = _mode_for(self.path)
        try:
            fd, self._tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".part", dir=self.path.parent)
        except OSError as exc:
            raise _export_error(self.path, exc) from None
        try:
            return open(fd, "w", encoding="utf-8", newline="")
        except BaseException:
            os.close(fd)
            self._discard()
            raise

    async def write(self, text: str) -> None:
        assert self._file is not None
        if text:
            await anyio.to_thread.run_sync(self._write, self._file, text)

    def _write(self, file: io.TextIOWrapper, text: str) -> None:
        try:
            file.write(text)
        except OSError as exc:
            raise _export_error(self.path, exc) from None

    async def __aexit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        file = self._file
        self._file = None
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(self._finish, file, exc_type is None)

    def _finish(self, file: io.TextIOWrapper | None, complete: bool) -> None:
        try:
            if file is not None:
                try:
                    # Owner-only while written; the finished file gets its permissions just before it appears.
                    if complete and self._mode is not None:
                        os.fchmod(file.fileno(), self._mode)
                    file.close()  # closes the descriptor even when the final flush fails
                except OSError as exc:  # the last buffered write failed (a full disk)
                    if complete:
                        raise _export_error(self.path, exc) from None
            if complete and self._tmp is not None:
                try:
                    os.replace(self._tmp, self.path)
                except OSError as exc:
                    raise _export_error(self.path, exc) from None
                self._tmp = None
        finally:
            self._discard()

    def _discard(self) -> None:
        tmp, self._tmp = self._tmp, None
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def write_text_atomically(path: PathLike, text: str) -> None:
    """Write a whole text file the way :class:`AtomicFile` does (same guards), from synchronous code."""
    target = AtomicFile(path)
    file = target._open()
    try:
        target._write(file, text)
    except BaseException:
        target._finish(file, complete=False)
        raise
    target._finish(file, complete=True)


def _export_error(path: Path, exc: OSError) -> ExportError:
    reason = exc.strerror or type(exc).__name__
    return ExportError(f"cannot write {str(path)!r}: {reason}", path=str(path), errno=exc.errno, strerror=exc.strerror)


def check_destination(path: Path) -> None:
    """Refuse, before anything is fetched, a destination that cannot become a file: a directory, or a path
    whose folder does not exist."""
    if path.is_dir():
        raise ExportError(f"cannot write {str(path)!r}: it is a directory", path=str(path), errno=errno.EISDIR)
    parent = path.parent
    if not parent.is_dir():
        raise ExportError(
            f"cannot write {str(path)!r}: the folder {str(parent)!r} does not exist",
            path=str(path),
            errno=errno.ENOENT,
        )


def _mode_for(path: Path) -> int | None:
    """The permissions the finished file gets: those of the file it replaces, else what ``open()`` would give
    a new file (0o666 less the umask). ``None`` keeps mkstemp's owner-only 0o600 when the umask is unknown."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        pass
    umask = _umask()
    return None if umask is None else 0o666 & ~umask


def _umask() -> int | None:
    # os.umask() can only be read by setting it, which races with other threads; Linux reports it here.
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        return None
    return None


def check_report_destinations(paths: Sequence[str | os.PathLike[str] | None]) -> None:
    """Prove each report file can be written: its folder exists (or is made) and takes a file; not a directory.

    Raises :class:`ExportError` naming the path; called before anything is created.
    """
    for given in paths:
        if given is None:
            continue
        path = Path(given)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ExportError(
                f"cannot write {str(path)!r}: {exc.strerror or type(exc).__name__}",
                path=str(path),
                errno=exc.errno,
                strerror=exc.strerror,
            ) from None
        check_destination(path)
        if path.exists() and not path.is_file():
            raise ExportError(f"cannot write {str(path)!r}: not a regular file", path=str(path), errno=errno.EINVAL)
        try:
            fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".probe", dir=path.parent)
        except OSError as exc:
            raise ExportError(
                f"cannot write {str(path)!r}: {exc.strerror or type(exc).__name__}",
                path=str(path),
                errno=exc.errno,
                strerror=exc.strerror,
            ) from None
        os.close(fd)
        os.unlink(probe)
