"""The embedded data directory: private to its owner, and one `threadr serve` at a time.

It holds the SQLite database (emails, password hashes) and the generated JWT key, so the
directory is created 0700 and its files 0600 whatever the umask. With in-process counters
two servers on one directory would each grant the full quota: `lock` refuses the second.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600


class DataDirInUse(ValueError):
    """Another `threadr serve` holds this data directory."""


def private_dir(path: Path) -> Path:
    """Create `path` (and parents) if needed; the directory itself is made 0700."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    os.chmod(path, PRIVATE_DIR)
    return path


def private_file(path: Path) -> Path:
    """Create `path` empty if missing, and make it 0600 (before anything is written in it).
    A missing parent is created 0700; an existing one is left as it is (it may be shared)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE))
    os.chmod(path, PRIVATE_FILE)
    return path


def lock(directory: Path) -> IO:
    """Hold `directory`'s serve lock for the life of the process (keep the returned file).
    `DataDirInUse` (a ValueError: the CLI prints it as one line, exit 2) when another
    process holds it."""
    path = private_file(private_dir(directory) / "serve.lock")
    handle = open(path, "r+")  # noqa: SIM115 - held open on purpose: the lock lives with it
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        other = handle.read().strip() or "?"
        handle.close()
        raise DataDirInUse(
            f"another `threadr serve` (pid {other}) is already using {directory}; two servers "
            "with in-process counters would each grant the full quota. Stop it, use another "
            "THREADR_DATA_DIR, or set REDIS_URL to share quotas.") from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle
