"""E-invoice benchmark: issuance on a 4-validator tax chain, bundle checks, proofs at 10^6.

Three parts, each on real processes and SQLite stores (``bench._invoice_load``):

1. **Issuance.** A tax chain of 4 validator processes (the tax bureau,
   public security, customs and the central bank) is started by the
   launcher, paced as ``consortium up`` paces the tax chain
   (``TAX_CHAIN_CONSENSUS``: a proposer waits 300 ms after a commit and
   executes the arriving invoices meanwhile); the tax bureau registers 100
   enterprises (outside the timing).
   A separate load process pre-signs ``tax.invoice.issue`` transactions,
   each enterprise issuing to the next, and offers them in batches over
   gRPC, round-robin over the validators, at a fixed rate above 1,000/s.
   Commits are counted on one validator's header stream inside the offered
   window; a sample of results is read back and must all be successes.
   Three runs: ``issue_per_s`` is the median (``issue_per_s_runs`` each).
2. **Bundle.** One issued invoice's bundle is fetched from that chain with
   :func:`chains.apps.bundle.fetch_record_bundle`; ``verify_bundle_ms`` is
   the median time of :func:`verify_record_bundle` on it, offline.
3. **Proofs at 10^6.** A single-validator tax chain is built with 1,000,000
   invoices: signed transactions, decoded and executed by the real tax
   application in blocks of 5,000, committed into the node's SQLite store
   with the node's own commit path (one state version per block, a real
   commit certificate). ``proof_ms_p50_1e6`` / ``proof_ms_p99_1e6`` time
   ``StateTree.get_with_proof`` (the node's QueryState path) on 10,000
   random invoice keys in a process that has just opened the store (cold
   cache); ``*_warm`` is a second pass on other keys. Then a real node
   process is started on that data directory, answers 10,000 QueryState
   calls over gRPC (some verified end to end), and ``rss_mb_1e6`` is its
   resident memory (``rss_mb_1e6_peak`` the most it ever held).

Run: ``python -m bench invoices`` (about 15 minutes, mostly building the
10^6 store, several GB under a temporary directory that is removed after);
``--quick`` (or ``BENCH_INVOICES_QUICK=1``) uses 20,000 invoices and one
short load run. ``BENCH_INVOICES_STORE=DIR`` keeps the built store in DIR
and reuses it on later runs (``store_reused`` says so).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._invoice_load import (
    ENTERPRISES,
    GOVERNING,
    get_genesis_state,
    get_invoice_number,
    get_percentile,
    get_random_invoice_keys,
    get_rss_mb,
    make_registrations,
)
from chains.consortium import TAX_CHAIN_CONSENSUS
from chains.core.consensus.validators import ValidatorSet
from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.types import compute_sha256
from chains.runtime.client import NodeClient, verify_state_response
from chains.runtime.launcher import create_network, read_network, start_network, stop_network
from chains.tax.app import KIND_INVOICE

VALIDATORS = len(GOVERNING)
CHAIN_ID = "bench-tax-1"
STORE_ENV = "BENCH_INVOICES_STORE"
QUICK_ENV = "BENCH_INVOICES_QUICK"
BUILD_FILE = "build.json"
VERIFIED_QUERIES = 20
"""QueryState answers of the 10^6 node checked end to end (BLS certificate and proof)."""


def get_cpu_s(pid: int) -> float:
    """User plus system CPU seconds that process ``pid`` has used (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_worker(*args: object) -> dict[str, object]:
    """Run ``python -m bench._invoice_load ARGS`` and return the JSON object it prints."""
    result = subprocess.run(
        [sys.executable, "-m", "bench._invoice_load", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"bench._invoice_load {args[0]} failed:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def register_enterprises(net_dir: Path) -> None:
    """The tax bureau registers the seller enterprises; wait until all are committed."""
    chain_id, nodes, _ = read_network(net_dir)
    txs = make_registrations(chain_id, ENTERPRISES)
    with NodeClient(nodes[0].address, timeout_s=30) as client:
        admissions = client.submit(txs)
        refused = [a for a in admissions if a.code != 0]
        if refused:
            raise ConsortiumError(
                ErrorCode(refused[0].code), f"a registration was refused: {refused[0].message}"
            )
        for raw in txs:
            response = client.wait_for_transaction(compute_sha256(raw), 60)
            if response.code != 0:
                raise ConsortiumError(
                    ErrorCode(response.code), f"a registration failed: {response.message}"
                )


def fetch_bundle(net_dir: Path, invoice_number: str) -> tuple[str, ValidatorSet]:
    """One invoice's bundle as JSON text, and the validator set a verifier trusts."""
    from chains.apps.bundle import fetch_record_bundle

    _, nodes, _ = read_network(net_dir)
    with NodeClient(nodes[1].address, timeout_s=30) as client:
        text = json.dumps(fetch_record_bundle(client, KIND_INVOICE, invoice_number))
        return text, client.get_validator_set(1)


def measure_bundle(
    text: str, validators: ValidatorSet, invoice_number: str, runs: int
) -> dict[str, object]:
    """Time the offline verification of a bundle (median of ``runs``).

    The bundle is verified as a verifier receives it: JSON text, checked
    against the validator set it trusts (anchored), every field disclosed.
    """
    from chains.apps.bundle import verify_record_bundle

    report = verify_record_bundle(text, trusted_validators=validators)
    if not report.ok or report.fields.get("invoice_number") != invoice_number:
        raise ConsortiumError(
            report.verdict.code or ErrorCode.BUNDLE_MALFORMED,
            f"the bundle of {invoice_number} does not verify: {report.verdict.message}",
        )
    times = []
    for _ in range(runs):
        mark = time.perf_counter()
        report = verify_record_bundle(text, trusted_validators=validators)
        times.append((time.perf_counter() - mark) * 1000)
        if not report.ok:
            raise ConsortiumError(report.verdict.code, f"the bundle stopped verifying: {report}")
    times.sort()
    return {
        "verify_bundle_ms": round(statistics.median(times), 3),
        "verify_bundle_ms_p99": round(get_percentile(times, 0.99), 3),
        "verify_bundle_runs": runs,
        "bundle_bytes": len(text),
        "bundle_fields": len(report.fields),
    }


def measure_issuance(
    net_dir: Path, rate: int, seconds: int, repeats: int, bundle_runs: int
) -> dict[str, object]:
    """Part 1 and 2: a 4-validator tax chain under invoice load, then one bundle."""
    create_network(
        net_dir,
        VALIDATORS,
        CHAIN_ID,
        accounts=0,
        app="tax",
        app_state=get_genesis_state(),
        validator_names=[name for name, _ in GOVERNING],
        consensus=dict(TAX_CHAIN_CONSENSUS),  # paced as the consortium's tax chain
    )
    start_network(net_dir)
    try:
        register_enterprises(net_dir)
        _, _, pids = read_network(net_dir)
        cpu_before = sum(get_cpu_s(pid) for pid in pids.values())
        runs = [run_worker("issue", net_dir, rate, seconds) for _ in range(repeats)]
        cpu_s = sum(get_cpu_s(pid) for pid in pids.values()) - cpu_before
        rss_mb_max = max(get_rss_mb(pid)[0] for pid in pids.values())
        # Enterprise 0's first invoice: issued in the first run, with nonce 1.
        number = get_invoice_number(0, 1)
        bundle, validators = fetch_bundle(net_dir, number)
    finally:
        stop_network(net_dir)
    # Offline, as a verifier would: with the validators stopped, nothing else competes.
    figures = measure_bundle(bundle, validators, number, bundle_runs)
    figures.update(
        issue_per_s=statistics.median(run["tx_per_s"] for run in runs),
        issue_per_s_runs=[run["tx_per_s"] for run in runs],
        issue_latency_p50_ms=statistics.median(run["latency_p50_ms"] for run in runs),
        issue_latency_p99_ms=statistics.median(run["latency_p99_ms"] for run in runs),
        offered_issue_per_s=rate,
        load_seconds=seconds,
        issued_submitted=sum(run["submitted"] for run in runs),
        issued_committed=sum(run["committed"] for run in runs),
        issued_refused=sum(run["refused"] for run in runs),
        results_checked=sum(run["results_checked"] for run in runs),
        results_failed=sum(run["results_failed"] for run in runs),
        validators=VALIDATORS,
        enterprises=ENTERPRISES,
        rss_mb_max_validators=round(rss_mb_max, 1),
        # CPU one validator spends per committed issuance (all of its work, the
        # empty blocks of the gaps between runs included): the machine's cores
        # divided by (validators x this) bounds the rate that 4 co-located validators reach.
        validator_cpu_ms_per_issue=round(
            cpu_s * 1000 / VALIDATORS / max(1, sum(run["committed"] for run in runs)), 3
        ),
        cpu_cores=os.cpu_count(),
    )
    if figures["results_failed"]:
        failures = [run["first_failure"] for run in runs if run["first_failure"]]
        raise ConsortiumError(ErrorCode.INVALID_BLOCK, f"issuances failed: {failures}")
    return figures


def get_store(root: Path, invoices: int) -> tuple[Path, dict[str, object], bool]:
    """The built store's network directory, its build figures, and whether it was reused."""
    net_dir = root / f"tax-{invoices}"
    build_file = net_dir / BUILD_FILE
    if build_file.exists():
        return net_dir, json.loads(build_file.read_text()), True
    if net_dir.exists():  # a build that did not finish: start again
        shutil.rmtree(net_dir)
    built = run_worker("build", net_dir, invoices)
    build_file.write_text(json.dumps(built))
    return net_dir, built, False


def serve_queries(net_dir: Path, invoices: int, count: int) -> dict[str, object]:
    """Start a real node on the built store; time ``count`` QueryState calls; its memory."""
    nodes = start_network(net_dir)
    try:
        _, _, pids = read_network(net_dir)
        pid = pids[nodes[0].name]
        keys = get_random_invoice_keys(random.Random(2), invoices, count)
        times = []
        with NodeClient(nodes[0].address, timeout_s=30) as client:
            validators = client.get_validator_set(1)
            for number, key in enumerate(keys):
                mark = time.perf_counter()
                response = client.query_state(key)
                times.append((time.perf_counter() - mark) * 1000)
                if not response.found:
                    raise ConsortiumError(ErrorCode.NOT_FOUND, f"the node lacks {key!r}")
                if number % (count // VERIFIED_QUERIES or 1) == 0:
                    verdict = verify_state_response(validators, key, response).verdict
                    if not verdict.ok:
                        raise ConsortiumError(
                            verdict.code, f"the node's answer for {key!r}: {verdict.message}"
                        )
            height = client.get_chain_info().height
        current, peak = get_rss_mb(pid)
    finally:
        stop_network(net_dir)
    times.sort()
    return {
        "query_ms_p50_1e6_grpc": round(statistics.median(times), 3),
        "query_ms_p99_1e6_grpc": round(get_percentile(times, 0.99), 3),
        "rss_mb_1e6": current,
        "rss_mb_1e6_peak": peak,
        "node_height_after": height,
    }


def measure_store(root: Path, invoices: int, samples: int) -> dict[str, object]:
    """Part 3: build (or reuse) the store, time proofs in a fresh process, then serve it."""
    net_dir, built, reused = get_store(root, invoices)
    proved = run_worker("prove", net_dir, samples, invoices)
    served = serve_queries(net_dir, invoices, samples)
    return {
        "invoices": invoices,
        "build_1e6_s": built["build_s"],
        "build_breakdown_s": built["build_breakdown_s"],
        "block_txs": built["block_txs"],
        "store_height": built["height"],
        "db_mb_1e6": built["db_mb"],
        "store_reused": reused,
        "proof_samples": samples,
        "proof_ms_p50_1e6": proved["proof_ms_p50_cold"],
        "proof_ms_p99_1e6": proved["proof_ms_p99_cold"],
        "proof_ms_p50_1e6_warm": proved["proof_ms_p50_warm"],
        "proof_ms_p99_1e6_warm": proved["proof_ms_p99_warm"],
        "rss_mb_1e6_prover": proved["rss_mb"],
        **served,
        "rss_note": "rss_mb_1e6: a real node process (consortium node start) on the built data "
        f"directory after answering {samples} QueryState calls; rss_mb_1e6_prover: the "
        "process that opened the store and timed the proofs",
    }


def run(quick: bool = False) -> dict[str, object]:
    """Run the three parts (see the module docstring) and return their figures."""
    quick = quick or os.environ.get(QUICK_ENV, "") not in ("", "0")
    if quick:
        rate, seconds, repeats, bundle_runs, invoices, samples = 300, 4, 1, 20, 20_000, 1_000
    else:
        rate, seconds, repeats, bundle_runs, invoices, samples = 1200, 15, 3, 200, 10**6, 10_000
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-invoices-") as tmp:
        figures = measure_issuance(Path(tmp) / "net", rate, seconds, repeats, bundle_runs)
        store_root = Path(os.environ.get(STORE_ENV, "") or Path(tmp) / "store")
        store_root.mkdir(parents=True, exist_ok=True)
        figures.update(measure_store(store_root, invoices, samples))
    figures.update(quick=quick, total_s=round(time.monotonic() - started, 1))
    return figures
