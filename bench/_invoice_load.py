"""The worker processes of ``bench invoices`` (each prints one JSON object).

* ``python -m bench._invoice_load issue NET_DIR RATE SECONDS``: pre-sign
  ``tax.invoice.issue`` transactions from the registered seller enterprises
  and offer them to a running tax chain (:func:`bench._chain_load.measure_load`).
* ``python -m bench._invoice_load build NET_DIR INVOICES``: write a
  single-validator tax network whose SQLite store holds ``INVOICES`` invoices,
  created by the real tax application in blocks committed the way a node
  commits them (:func:`commit_next_block`), so that a node can start on it.
* ``python -m bench._invoice_load prove NET_DIR SAMPLES``: open that store as
  a node does and time ``StateTree.get_with_proof`` (the node's QueryState
  path) on random invoice keys.

The organisations, keys and invoice numbers are deterministic functions of
their index, so every process derives the same ones without sharing files.
"""

from __future__ import annotations

import json
import random
import resource
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from hashlib import sha256
from pathlib import Path

from bench._chain_load import measure_load
from chains.apps.fields import compute_uscc_check_character
from chains.apps.membership import TX_REGISTER_ENTERPRISE
from chains.apps.records import get_record_key
from chains.core.app import BlockContext, execute_block, get_nonce_key
from chains.core.block import decode_block, encode_block, encode_header, get_block_value
from chains.core.chain import ChainTip, compute_block_time
from chains.core.consensus.certificate import build_commit_certificate, encode_certificate
from chains.core.consensus.messages import Vote, VoteType
from chains.core.consensus.validators import compute_validators_hash
from chains.core.crypto import Ed25519KeyPair, compute_ed25519_key_pair
from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.merkle import compute_root
from chains.core.state_tree import compute_tree_batch, verify_state_proof
from chains.core.transactions import decode_verified_transaction, make_signed_transaction
from chains.core.types import ChainId, Height, Round, Version, compute_sha256
from chains.runtime.client import NodeClient
from chains.runtime.config import read_node_config
from chains.runtime.launcher import create_network, read_network
from chains.runtime.node import Node, get_now_ms
from chains.runtime.server import build_node
from chains.runtime.storage import CommitRecord, StoredTx
from chains.tax.app import KIND_INVOICE, TX_ISSUE_INVOICE
from chains.tax.invoices import compute_tax_amount
from consortium.v1 import membership_pb2, tax_pb2

ENTERPRISES = 100
"""Seller enterprises; each issues to the next one (the last to the first)."""
GOVERNING = (
    ("tax-bureau", "tax_bureau"),
    ("public-security", "public_security"),
    ("customs", "customs"),
    ("pboc-shenzhen", "central_bank"),
)
"""The tax chain's governing organisations (and validator names) as in the consortium."""
BLOCK_TXS = 5_000
"""Transactions per block while building the store: a node's default ``max_block_txs``."""
STORE_CHAIN_ID = "bench-tax-store-1"
TAX_RATE_BP = 1300
RESULT_SAMPLE = 200
"""Committed load transactions whose results are read back (they must all succeed)."""


def get_bench_key(name: str) -> Ed25519KeyPair:
    """The account key of organisation ``name`` in this benchmark (derived from the name)."""
    return compute_ed25519_key_pair(sha256(b"bench/invoices/" + name.encode()).digest())


def get_enterprise_uscc(index: int) -> str:
    """The unified social credit code of enterprise ``index`` (valid check character)."""
    first17 = f"91440300MA5{index:06d}"
    return first17 + compute_uscc_check_character(first17)


def get_enterprise_key(index: int) -> Ed25519KeyPair:
    """The account key of enterprise ``index``."""
    return get_bench_key(get_enterprise_uscc(index))


def get_genesis_state() -> dict[str, object]:
    """The tax chain's genesis ``app_state``: the four governing organisations."""
    return {
        "organisations": [
            {
                "id": org_id,
                "name": org_id,
                "role": role,
                "governing": True,
                "accounts": [
                    {"name": "primary", "public_key": get_bench_key(org_id).public_key.hex()}
                ],
            }
            for org_id, role in GOVERNING
        ]
    }


def get_invoice_number(seller: int, nonce: int) -> str:
    """The number of the invoice that enterprise ``seller`` issues with ``nonce`` (unique)."""
    return f"INV{seller:03d}N{nonce:08d}"


def make_registrations(chain_id: str, count: int, first_nonce: int = 1) -> list[bytes]:
    """The tax bureau's ``member.enterprise.register`` transactions for ``count`` enterprises."""
    bureau = get_bench_key("tax-bureau")
    txs = []
    for index in range(count):
        payload = membership_pb2.RegisterEnterprise(
            uscc=get_enterprise_uscc(index),
            name=f"Bench Enterprise {index}",
            industry="manufacturing",
            region="Nanshan",
            account_key=get_enterprise_key(index).public_key,
            account_name="primary",
        )
        txs.append(
            make_signed_transaction(
                bureau,
                ChainId(chain_id),
                first_nonce + index,
                TX_REGISTER_ENTERPRISE,
                payload.SerializeToString(),
            )
        )
    return txs


def make_issue_tx(chain_id: str, seller: int, nonce: int, key: Ed25519KeyPair) -> bytes:
    """Enterprise ``seller`` issues invoice (seller, nonce) to the next enterprise."""
    number = get_invoice_number(seller, nonce)
    amount = 10_000 + (seller * 7919 + nonce) % 1_000_000
    payload = tax_pb2.IssueInvoice(
        invoice_number=number,
        buyer=get_enterprise_uscc((seller + 1) % ENTERPRISES),
        amount=amount,
        tax_amount=compute_tax_amount(amount, TAX_RATE_BP),
        tax_rate_bp=TAX_RATE_BP,
        issued_on="2025-03-01",
        description="machined parts",
        # A real seller draws a random seed; a derived one keeps the runs reproducible.
        record_seed=sha256(b"bench/seed/" + number.encode()).digest(),
    )
    return make_signed_transaction(
        key, ChainId(chain_id), nonce, TX_ISSUE_INVOICE, payload.SerializeToString()
    )


def get_rss_mb(pid: int | str = "self") -> tuple[float, float]:
    """(current, peak) resident memory of ``pid`` in MiB, from /proc."""
    current = peak = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            current = int(line.split()[1]) / 1024
        elif line.startswith("VmHWM:"):
            peak = int(line.split()[1]) / 1024
    return round(current, 1), round(peak, 1)


def get_percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """The ``fraction`` percentile (nearest rank below) of already sorted values."""
    return sorted_values[int(fraction * (len(sorted_values) - 1))]


# --------------------------------------------------------------------------
# issue: load on a running 4-validator network
# --------------------------------------------------------------------------


def run_issue_load(net_dir: Path, rate: int, seconds: int) -> dict[str, object]:
    """Offer ``rate`` invoice issuances per second for ``seconds`` and read a sample back."""
    chain_id, nodes, _ = read_network(net_dir)
    keys = [get_enterprise_key(i) for i in range(ENTERPRISES)]
    with NodeClient(nodes[0].address) as client:
        first_nonce = [
            int.from_bytes(client.query_state(get_nonce_key(k.public_key)).value or b"", "big") + 1
            for k in keys
        ]
    total = rate * seconds
    signing = time.perf_counter()
    txs = [
        make_issue_tx(
            chain_id,
            i % ENTERPRISES,
            first_nonce[i % ENTERPRISES] + i // ENTERPRISES,
            keys[i % ENTERPRISES],
        )
        for i in range(total)
    ]
    signing_s = time.perf_counter() - signing
    figures = measure_load(nodes, txs, rate, seconds)
    # Commits count only if they issued invoices: read results back from another validator.
    sample = random.Random(seconds).sample(txs, min(RESULT_SAMPLE, len(txs)))
    failed = []
    with NodeClient(nodes[-1].address, timeout_s=30) as client:
        for raw in sample:
            response = client.wait_for_transaction(compute_sha256(raw), 30)
            if response.code != 0:
                failed.append(response.message)
    figures.update(
        presign_s=round(signing_s, 2),
        results_checked=len(sample),
        results_failed=len(failed),
        first_failure=failed[0] if failed else "",
    )
    return figures


# --------------------------------------------------------------------------
# build: a 1-validator tax chain store with many invoices
# --------------------------------------------------------------------------


def commit_next_block(node: Node, raws: Sequence[bytes]) -> dict[str, float]:
    """Execute ``raws`` as the node's next block and commit it as the node does; timings.

    The same steps as the node's proposer (``Node._build_block``) and commit
    (``Node._on_commit``): execute on the committed tip state, compute the
    state-tree version, encode the header with the new state root, sign the
    precommit with the validator's BLS key, build the commit certificate, and
    store everything in one :meth:`ChainStore.commit_block`. Every
    transaction must succeed (INVALID_BLOCK otherwise: the benchmark is wrong).
    """
    timings: dict[str, float] = {}
    started = time.perf_counter()
    tip = node.tip
    height = Height(tip.height + 1)
    chain_id = node.chain_id
    txs = [decode_verified_transaction(raw, chain_id) for raw in raws]
    timings["decode_s"] = time.perf_counter() - started
    mark = time.perf_counter()
    proposer = node.validator_key.public_key
    context = BlockContext(chain_id, height, compute_block_time(tip, get_now_ms()), proposer)
    execution = execute_block(node.app, context, txs, node.get_committed_state())
    failed = [result for result in execution.results if not result.ok]
    if failed:
        raise ConsortiumError(
            ErrorCode.INVALID_BLOCK,
            f"{len(failed)} transactions of block {height} failed, first: "
            f"{failed[0].code.name} {failed[0].message}",
        )
    timings["execute_s"] = time.perf_counter() - mark
    mark = time.perf_counter()
    batch = compute_tree_batch(node.store, Version(height), dict(execution.updates))
    timings["tree_s"] = time.perf_counter() - mark
    mark = time.perf_counter()
    header = encode_header(
        chain_id=chain_id,
        height=height,
        time_unix_ms=context.time_unix_ms,
        prev_block_hash=tip.block_hash,
        tx_root=compute_root(list(raws)),
        tx_count=len(raws),
        state_root=batch.root.root_hash,
        validators_hash=node.validators_hash,
        next_validators_hash=compute_validators_hash(node.get_validator_set(height + 1)),
        proposer=proposer,
    )
    value = get_block_value(encode_block(header, raws))
    block = decode_block(value.block)
    validators = node.get_validator_set(height)
    index = next(i for i in range(len(validators)) if validators.get_public_key(i) == proposer)
    vote = Vote(VoteType.PRECOMMIT, chain_id, height, Round(0), block.hash, index)
    signature = node.scheme.sign(node.validator_key.secret_key, vote.get_sign_bytes())
    signed = replace(vote, signature=signature)
    certificate = build_commit_certificate(
        chain_id, height, Round(0), block.hash, [signed], validators, node.scheme
    )
    stored = [
        StoredTx(tx.tx_id, height, position, tx.raw, int(result.code), result.message)
        for position, (tx, result) in enumerate(zip(txs, execution.results, strict=True))
    ]
    timings["block_s"] = time.perf_counter() - mark
    mark = time.perf_counter()
    node.store.commit_block(
        CommitRecord(
            height=height,
            block_hash=block.hash,
            block_raw=block.raw,
            certificate_raw=encode_certificate(certificate),
            txs=stored,
            tree_batch=batch,
            blobs=execution.blobs,
            meta={},
            wal_prune_below=Height(height + 1),
        )
    )
    timings["commit_s"] = time.perf_counter() - mark
    node.tip = ChainTip(
        chain_id, height, block.hash, block.header.time_unix_ms, block.header.state_root
    )
    node.tip_state.advance(Version(height), execution.updates)
    return timings


def iterate_issue_blocks(chain_id: str, invoices: int) -> Iterator[list[bytes]]:
    """The issuance transactions in blocks of ``BLOCK_TXS``, signed as they are needed.

    Invoice ``i`` is issued by enterprise ``i % ENTERPRISES`` with nonce
    ``i // ENTERPRISES + 1``, so each block holds consecutive nonces per sender.
    """
    keys = [get_enterprise_key(i) for i in range(ENTERPRISES)]
    for start in range(0, invoices, BLOCK_TXS):
        yield [
            make_issue_tx(chain_id, i % ENTERPRISES, i // ENTERPRISES + 1, keys[i % ENTERPRISES])
            for i in range(start, min(start + BLOCK_TXS, invoices))
        ]


def build_store(net_dir: Path, invoices: int) -> dict[str, object]:
    """Create a 1-validator tax network at ``net_dir`` whose store holds ``invoices`` invoices."""
    if invoices % ENTERPRISES:
        raise ConsortiumError(
            ErrorCode.INVALID_CONFIG, f"the invoice count must be a multiple of {ENTERPRISES}"
        )
    create_network(
        net_dir,
        1,
        STORE_CHAIN_ID,
        accounts=0,
        app="tax",
        app_state=get_genesis_state(),
        validator_names=[GOVERNING[0][0]],
    )
    _, nodes, _ = read_network(net_dir)
    started = time.perf_counter()
    # Opened exactly as a node process opens its data directory (genesis state included).
    node = build_node(read_node_config(nodes[0].home))
    steps = ("sign_s", "decode_s", "execute_s", "tree_s", "block_s", "commit_s")
    totals = dict.fromkeys(steps, 0.0)
    commit_next_block(node, make_registrations(node.chain_id, ENTERPRISES))
    blocks = iterate_issue_blocks(node.chain_id, invoices)
    while True:
        mark = time.perf_counter()
        raws = next(blocks, None)
        totals["sign_s"] += time.perf_counter() - mark
        if raws is None:
            break
        for name, seconds in commit_next_block(node, raws).items():
            totals[name] += seconds
    build_s = time.perf_counter() - started
    height = node.tip.height
    node.store.close()
    database = Path(nodes[0].home) / "data" / "chain.db"
    size_mb = sum(p.stat().st_size for p in database.parent.glob("chain.db*")) / 2**20
    return {
        "invoices": invoices,
        "height": height,
        "block_txs": BLOCK_TXS,
        "build_s": round(build_s, 1),
        "build_breakdown_s": {name: round(value, 1) for name, value in totals.items()},
        "db_mb": round(size_mb, 1),
        "rss_mb_builder": get_rss_mb()[1],
    }


# --------------------------------------------------------------------------
# prove: proof generation on that store
# --------------------------------------------------------------------------


def get_random_invoice_keys(rng: random.Random, invoices: int, count: int) -> list[bytes]:
    """State keys of ``count`` random invoices among the first ``invoices`` built."""
    keys = []
    for _ in range(count):
        i = rng.randrange(invoices)
        number = get_invoice_number(i % ENTERPRISES, i // ENTERPRISES + 1)
        keys.append(get_record_key(KIND_INVOICE, number))
    return keys


def measure_proofs(node: Node, keys: Sequence[bytes]) -> list[float]:
    """Milliseconds of ``get_with_proof`` for each key at the node's tip (all must exist)."""
    tree, version = node.tree, Version(node.tip.height)
    root = node.tip.state_root
    times = []
    for key in keys:
        mark = time.perf_counter()
        value, proof = tree.get_with_proof(key, version)
        times.append((time.perf_counter() - mark) * 1000)
        if value is None:
            raise ConsortiumError(ErrorCode.NOT_FOUND, f"{key!r} is not in the store")
    # Not timed: the proofs are real (checked against the state root in the header).
    for key in keys[:: max(1, len(keys) // 100)]:
        value, proof = tree.get_with_proof(key, version)
        verify_state_proof(root, key, value, proof).raise_for_error()
    return times


def run_prove(net_dir: Path, samples: int, invoices: int) -> dict[str, object]:
    """Open the store as a node does and time proofs of ``samples`` random invoices, twice.

    The first pass starts from a cold node cache (a node that has just
    restarted); the second uses other keys once the cache holds what the
    first pass read (a node that has been serving for a while).
    """
    _, nodes, _ = read_network(net_dir)
    opened = time.perf_counter()
    node = build_node(read_node_config(nodes[0].home))
    open_s = time.perf_counter() - opened
    rng = random.Random(1)
    figures: dict[str, object] = {"open_s": round(open_s, 2), "samples": samples}
    for name, keys in (
        ("cold", get_random_invoice_keys(rng, invoices, samples)),
        ("warm", get_random_invoice_keys(rng, invoices, samples)),
    ):
        times = sorted(measure_proofs(node, keys))
        figures[f"proof_ms_p50_{name}"] = round(statistics.median(times), 3)
        figures[f"proof_ms_p99_{name}"] = round(get_percentile(times, 0.99), 3)
        figures[f"proof_ms_max_{name}"] = round(times[-1], 3)
    figures["cached_nodes"] = node.store.get_cached_node_count()
    current, peak = get_rss_mb()
    figures.update(rss_mb=current, rss_mb_peak=peak)
    figures["maxrss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    node.store.close()
    return figures


def main(argv: Sequence[str]) -> dict[str, object]:
    """Dispatch ``issue`` / ``build`` / ``prove`` (see the module docstring)."""
    command, net_dir = argv[0], Path(argv[1])
    if command == "issue":
        return run_issue_load(net_dir, int(argv[2]), int(argv[3]))
    if command == "build":
        return build_store(net_dir, int(argv[2]))
    if command == "prove":
        return run_prove(net_dir, int(argv[2]), int(argv[3]))
    raise ConsortiumError(ErrorCode.INVALID_CONFIG, f"unknown command {command!r}")


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))
