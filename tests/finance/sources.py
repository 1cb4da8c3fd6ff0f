"""The tax and industry chains in miniature, for the finance chain's relay tests.

Each :class:`SourceChain` keeps real state (the membership registry and
field-committed records) in a real state tree, and certifies each height with
real BLS signatures of its genesis validators (:mod:`tests.relay.support`).
What it discloses is what an honest source node would serve: heads with their
state proofs, and the consented fields proven against each head's commitment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from chains.apps.disclosure import make_disclosed_record, make_identity_proof
from chains.apps.membership import compute_genesis_updates
from chains.apps.records import create_record, get_record_key, read_record, update_record
from chains.core.app import StateOverlay
from chains.core.records import FieldValue
from chains.core.state_tree import StateTree
from chains.core.types import Version
from consortium.v1 import finance_pb2, relay_pb2
from relay.codec import certified_header_to_proto
from relay.light_client import CertifiedHeader
from tests.app_helpers import DictState
from tests.industry.support import make_seed
from tests.relay.support import START_MS, Keys, certify, make_header


@dataclass
class SourceChain:
    """A source chain whose every height is certified by ``keys``."""

    chain_id: str
    keys: Keys
    organisations: Sequence[Mapping[str, object]] = ()
    state: DictState = field(default_factory=DictState)
    tree: StateTree = field(default_factory=StateTree)
    height: int = 0
    pending: StateOverlay | None = None
    certified: dict[int, CertifiedHeader] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.pending = StateOverlay(self.state)
        if self.organisations:
            for key, value in compute_genesis_updates(
                {"organisations": list(self.organisations)}
            ).items():
                self.pending.set(key, value)

    def add_record(self, kind: str, record_id: str, fields: Mapping[str, FieldValue]) -> None:
        """Create a record in the next height."""
        create_record(
            self.pending, kind, record_id, fields, make_seed(f"{kind}/{record_id}"), self.height + 1
        )

    def change_record(self, kind: str, record_id: str, changes: Mapping[str, FieldValue]) -> None:
        """Write the next version of a record in the next height."""
        record = read_record(self.pending, kind, record_id)
        update_record(self.pending, record, changes, self.height + 1)

    def commit(self, time_ms: int | None = None) -> CertifiedHeader:
        """Commit the pending writes as the next height; its certified header."""
        self.height += 1
        writes = dict(self.pending.get_writes())
        root = self.tree.apply_updates(Version(self.height), writes)
        self.state.apply(writes, dict(self.pending.get_blobs()))
        self.pending = StateOverlay(self.state)
        header = make_header(
            self.height,
            self.keys,
            chain_id=self.chain_id,
            state_root=root,
            time_ms=time_ms if time_ms is not None else START_MS + self.height * 1_000,
        )
        self.certified[self.height] = certify(header, self.keys)
        return self.certified[self.height]

    def client_header(self, height: int | None = None) -> finance_pb2.ClientHeader:
        """The certified header of ``height`` (the latest by default) as a transfer carries it."""
        certified = self.certified[height or self.height]
        return finance_pb2.ClientHeader(
            chain_id=self.chain_id, header=certified_header_to_proto(certified)
        )

    def disclose(
        self, kind: str, record_id: str, names: Sequence[str], height: int | None = None
    ) -> relay_pb2.DisclosedRecord:
        """Record ``kind``/``record_id``'s fields ``names`` at ``height`` (latest), proven."""
        height = height or self.height
        head, proof = self.tree.get_with_proof(get_record_key(kind, record_id), Version(height))
        record = read_record(self.state, kind, record_id)
        return make_disclosed_record(
            self.chain_id, height, kind, record_id, head, proof, record.get_committed(), names
        )

    def identity(
        self, public_key: bytes, enterprise: str, height: int | None = None
    ) -> relay_pb2.IdentityProof:
        """The registry's proof of whose key ``public_key`` is, at ``height`` (latest)."""
        height = height or self.height
        return make_identity_proof(
            lambda key: self.tree.get_with_proof(key, Version(height)),
            height,
            public_key,
            enterprise,
        )
