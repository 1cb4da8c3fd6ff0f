"""Test helpers shared by the application, KV and mempool tests."""

from __future__ import annotations

from collections.abc import Mapping


class DictState:
    """An in-memory StateReader that blocks' updates (and blobs) are applied to."""

    def __init__(self, values: Mapping[bytes, bytes] | None = None) -> None:
        self.values = dict(values or {})
        self.blobs: dict[bytes, bytes] = {}

    def get(self, key: bytes) -> bytes | None:
        """The value of ``key``, or None."""
        return self.values.get(key)

    def get_blob(self, key: bytes) -> bytes | None:
        """The blob under ``key``, or None."""
        return self.blobs.get(key)

    def apply(
        self, updates: Mapping[bytes, bytes | None], blobs: Mapping[bytes, bytes] | None = None
    ) -> None:
        """Write ``updates`` (None deletes) and store ``blobs``."""
        for key, value in updates.items():
            if value is None:
                self.values.pop(key, None)
            else:
                self.values[key] = value
        self.blobs.update(blobs or {})
