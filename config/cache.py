"""What a night may reuse from an earlier one: files kept under the hash of everything they are made of.

A kept file is found only by that hash, so a change in what it is made of (a model, a column, a chart's data) makes
a new one; nothing is reused on a guess.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path


def key(*parts: str | bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def holds(cache: Path | None, kind: str, made_of: str) -> bool:
    """Whether `cache` keeps a file of `kind` made of `made_of`."""
    return cache is not None and (cache / kind / made_of).exists()


def kept(cache: Path | None, kind: str, made_of: str, make: Callable[[], bytes], keep: int) -> bytes:
    """The bytes `make` gives for `made_of` (a key()), from `cache` when kept there, else made and kept; the
    `keep` most recently used of this kind stay. Without a cache, always made."""
    if cache is None:
        return make()
    path = cache / kind / made_of
    if path.exists():
        path.touch()  # recently used
        return path.read_bytes()
    content = make()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + f".{os.getpid()}.partial")
    partial.write_bytes(content)
    os.replace(partial, path)  # a kept file is always whole
    for old in sorted(path.parent.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)[keep:]:
        old.unlink(missing_ok=True)
    return content
