"""SafetyRules' store on top of a node's :class:`~chains.runtime.storage.base.ChainStore`.

The safety data is kept as :func:`~chains.core.consensus.safety.encode_safety_data`
bytes, so a restarted validator reads back exactly what it saved, and refuses
(MALFORMED_INPUT) anything it cannot be sure it wrote.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from chains.core.consensus.safety import SafetyData, decode_safety_data, encode_safety_data
from chains.runtime.storage.base import ChainStore, WalEntry


class ChainSafetyStore:
    """A :class:`~chains.core.consensus.safety.SafetyStore` kept in a node's ChainStore.

    ``take_wal`` (optional) hands over the consensus WAL entries not yet
    written; they are saved in the same transaction as the safety data, so
    everything a signature rests on is durable before the signature leaves.
    """

    def __init__(
        self, store: ChainStore, take_wal: Callable[[], Sequence[WalEntry]] = lambda: ()
    ) -> None:
        self._store = store
        self._take_wal = take_wal

    def load(self) -> SafetyData | None:
        """The safety data last saved, or None when nothing was ever saved."""
        raw = self._store.load_safety()
        return None if raw is None else decode_safety_data(raw)

    def save(self, data: SafetyData) -> None:
        """Replace the saved safety data; durable when this returns."""
        self._store.save_safety(encode_safety_data(data), self._take_wal())
