"""Atomic file writes for the fixture exporters (the Python side of src/core/atomic-write.ts).

write_atomic(path, data) writes to a temporary file in the same folder, flushes it to disk, then
os.replace()s it onto the target: a reader sees the old file or the new one, never a truncated
mix. A failure on the way (a file-size limit such as `ulimit -f`, a full disk, an interrupt)
leaves the previous file as it was and removes the temporary file. Standard library only, so a
spec can exercise it without importing torch.
"""
from __future__ import annotations

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
