"""Atomic file writes for the fixture exporters (the Python side of src/core/atomic-write.ts).

write_atomic(path, data) writes to a temporary file in the same folder, flushes it to disk, then
os.replace()s it onto the target: a reader sees the old file or the new one, never a truncated
mix. A failure on the way (a file-size limit such as `ulimit -f`, a full disk, an interrupt)
leaves the previous file as it was and removes the temporary file. FileSet does the same for
several files at once: all new or all old. Standard library only, so a spec can exercise it
without importing torch.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically (see the module docstring); raises OSError on failure."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temp, 0o644)  # mkstemp creates 0600; fixtures are read by everyone
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise


class FileSet:
    """Files that belong together (the fixtures and the manifest that records their hashes), written
    all new or all old: `add` writes each to a temporary file in its folder, `commit` renames them
    all into place — keeping each old file under a hard link until every new one is in, and putting
    the old ones back if a rename fails. Leaving the `with` block without `commit` (an exception, a
    file-size limit half-way through the export) removes the temporary files and changes nothing.
    """

    def __init__(self) -> None:
        self._staged: list[tuple[Path, Path]] = []  # (temporary file, target)

    def __enter__(self) -> "FileSet":
        return self

    def __exit__(self, *exc: object) -> None:
        self.abort()

    def add(self, path: Path, data: bytes) -> str:
        """Stage `data` for `path`; returns its sha256 (hex), the hash the manifest records."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        self._staged.append((Path(temp), path))
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temp, 0o644)
        return hashlib.sha256(data).hexdigest()

    def commit(self) -> None:
        done: list[tuple[Path, Path | None]] = []  # (target, backup of the old file)
        try:
            for temp, target in self._staged:
                backup = None
                if target.exists():
                    backup = target.with_name(f".{target.name}.{os.getpid()}.old")
                    try:
                        os.link(target, backup)
                    except OSError:
                        os.replace(target, backup)  # no hard links here: move the old file aside
                done.append((target, backup))
                os.replace(temp, target)
        except BaseException:
            for target, backup in reversed(done):
                if backup is not None:
                    os.replace(backup, target)
                elif target.exists():
                    target.unlink()
            raise
        for _, backup in done:
            if backup is not None and backup.exists():
                backup.unlink()
        self._staged = []

    def abort(self) -> None:
        for temp, _ in self._staged:
            try:
                temp.unlink()
            except FileNotFoundError:
                pass
        self._staged = []
