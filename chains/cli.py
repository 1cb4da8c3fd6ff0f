"""The ``consortium`` command line."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

app = typer.Typer(
    name="consortium",
    help="Tax–Industry–Finance Consortium: three permissioned chains joined by a verifying relay.",
    no_args_is_help=True,
    add_completion=False,
)
keys_app = typer.Typer(help="Make validator (BLS) and account (Ed25519) key files.")
node_app = typer.Typer(help="Run one validator or follower node.")
net_app = typer.Typer(help="A local network: n validator processes of one chain on loopback.")
tx_app = typer.Typer(help="Sign and send transactions.")
q_app = typer.Typer(help="Query a node; answers are verified against certified headers.")
app.add_typer(keys_app, name="keys")
app.add_typer(node_app, name="node")
app.add_typer(net_app, name="net")
app.add_typer(tx_app, name="tx")
app.add_typer(q_app, name="q")
relay_app = typer.Typer(help="The relayer that carries consented records to the finance chain.")
loan_app = typer.Typer(help="Loan applications on the finance chain, under one consent.")
consent_app = typer.Typer(help="An enterprise's consents.")
app.add_typer(relay_app, name="relay")
app.add_typer(loan_app, name="loan")
app.add_typer(consent_app, name="consent")
audit_app = typer.Typer(help="Audit bundles: a loan decision and all it rests on, checked offline.")
app.add_typer(audit_app, name="audit")

console = Console()
NodeOption = Annotated[str, typer.Option("--node", help="host:port of a node's gRPC API")]
DEFAULT_NODE = "127.0.0.1:26600"


def _fail(error: Exception) -> None:
    """Print a refusal with its code and exit 1 (never a traceback for expected errors)."""
    code = getattr(error, "code", None)
    name = code.name if code is not None else type(error).__name__
    status = getattr(error, "status", None)
    if code is not None and not code and status is not None:  # no node answered
        name = status.name
    console.print(f"[red]refused[/red] {name}: {getattr(error, 'message', error)}")
    raise typer.Exit(code=1)


def _run(action):
    from chains.core.errors import ConsortiumError

    try:
        return action()
    except ConsortiumError as error:
        _fail(error)


@app.callback()
def _root() -> None:
    """Tax–Industry–Finance Consortium command line."""


@app.command()
def demo(
    keep_running: Annotated[
        bool,
        typer.Option(
            "--keep-running/--exit",
            help="keep the consortium up afterwards (for the dashboards) until Ctrl-C",
        ),
    ] = True,
    dashboard_port: Annotated[
        int,
        typer.Option(
            "--dashboard-port",
            help="port of the dashboards served beside a kept consortium (0: 8501, or a "
            "free one when it is taken)",
            min=0,
        ),
    ] = 0,
) -> None:
    """Walk through the building blocks, then the three chains and the relay: an invoice
    reimbursed once, and one consent carrying a loan application to its decision. A kept
    consortium has the dashboards beside it (their URL is printed)."""
    from chains.demo import run_demo
    from dashboards.server import serve_dashboard

    def serve(root: Path):
        return serve_dashboard(
            root,
            dashboard_port or None,
            on_error=lambda error: console.print(
                f"[yellow]the dashboards did not start[/yellow]: {escape(error.message)}"
            ),
        )

    ok = run_demo(keep_running=keep_running, wait=_wait_for_interrupt, dashboard=serve)
    raise typer.Exit(code=0 if ok else 1)


def _wait_for_interrupt() -> None:
    """Block until Ctrl-C (SIGINT) or SIGTERM."""
    import signal
    import threading

    stop = threading.Event()
    # Handlers of our own: a process started in the background may ignore SIGINT.
    previous = {
        signum: signal.signal(signum, lambda *_: stop.set())
        for signum in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        while not stop.wait(0.5):
            pass
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@keys_app.command("validator")
def keys_validator(
    out: Annotated[Path, typer.Argument(help="key file to write (mode 0600)")],
    name: Annotated[str, typer.Option("--name", help="the member organisation")],
) -> None:
    """Generate a validator's BLS12-381 key with its proof of possession."""
    from chains.runtime.keys import generate_validator_key, write_validator_key

    key = generate_validator_key(name)
    _run(lambda: write_validator_key(out, key))
    console.print(f"validator key for {name}: public key {key.public_key.hex()}")


@keys_app.command("account")
def keys_account(
    out: Annotated[Path, typer.Argument(help="key file to write (mode 0600)")],
    name: Annotated[str, typer.Option("--name", help="who the account belongs to")],
) -> None:
    """Generate an account's Ed25519 key."""
    from chains.runtime.keys import generate_account_key, write_account_key

    key = generate_account_key(name)
    _run(lambda: write_account_key(out, key))
    console.print(f"account key for {name}: public key {key.public_key.hex()}")


@keys_app.command("show")
def keys_show(path: Path) -> None:
    """Print the public parts of a key file (checked against its secret)."""
    from chains.core.errors import ConsortiumError, ErrorCode
    from chains.runtime.keys import read_account_key, read_validator_key

    def get_type() -> object:
        try:
            document = json.loads(path.read_text())
        except (OSError, ValueError) as error:
            raise ConsortiumError(
                ErrorCode.INVALID_CONFIG, f"cannot read {path}: {error}"
            ) from None
        return document.get("type") if isinstance(document, dict) else None

    if _run(get_type) == "ed25519":
        key = _run(lambda: read_account_key(path))
        console.print(f"account {key.name}: {key.public_key.hex()}")
    else:
        key = _run(lambda: read_validator_key(path))
        console.print(f"validator {key.name}: {key.public_key.hex()}")
        console.print(f"proof of possession: {key.proof_of_possession.hex()}")


# ---------------------------------------------------------------- genesis


@app.command()
def genesis(
    out: Annotated[Path, typer.Argument(help="genesis file to write")],
    chain_id: Annotated[str, typer.Option("--chain-id")],
    validator: Annotated[
        list[Path], typer.Option("--validator", help="validator key file (repeat)")
    ],
    account: Annotated[
        list[Path] | None, typer.Option("--account", help="account key file (repeat)")
    ] = None,
    power: Annotated[int, typer.Option("--power", help="voting power of each validator")] = 10,
    application: Annotated[str, typer.Option("--app", help="kv, tax, industry or finance")] = "kv",
    organisations: Annotated[
        Path | None,
        typer.Option(
            "--organisations",
            help="tax/industry/finance: JSON list of organisations (docs/applications.md)",
        ),
    ] = None,
) -> None:
    """Write a genesis file: validators (with PoP, checked) and accounts or organisations."""
    from chains.core.errors import ConsortiumError, ErrorCode
    from chains.runtime.genesis import decode_genesis, encode_genesis
    from chains.runtime.keys import read_account_key, read_validator_key
    from chains.runtime.server import get_application

    validators = [(_run(lambda p=p: read_validator_key(p)), power) for p in validator]
    accounts = [_run(lambda p=p: read_account_key(p)) for p in account or []]
    app_state = None
    if application != "kv":
        if organisations is None or accounts:
            _fail(
                ConsortiumError(
                    ErrorCode.INVALID_CONFIG,
                    f"the {application} chain takes --organisations FILE (and no --account)",
                )
            )
        app_state = {"organisations": _run(lambda: _read_json(organisations))}

    def encode() -> bytes:
        raw = encode_genesis(
            chain_id, int(time.time() * 1000), validators, accounts, application, app_state
        )
        decoded = decode_genesis(raw)
        get_application(decoded).get_genesis_updates(decoded.app_state)  # refuse it now
        return raw

    raw = _run(encode)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(raw)
    members = f"{len(accounts)} accounts" if app_state is None else "its organisations"
    console.print(f"genesis of {chain_id} ({application}): {len(validators)} validators, {members}")


def _read_json(path: Path) -> object:
    from chains.core.errors import ConsortiumError, ErrorCode

    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise ConsortiumError(ErrorCode.INVALID_CONFIG, f"{path}: {error}") from None


# ------------------------------------------------------------------- node


@node_app.command("start")
def node_start(
    home: Annotated[Path, typer.Option("--home", help="the node's home directory")],
) -> None:
    """Run a node in the foreground until SIGTERM or Ctrl-C."""
    from chains.runtime.server import run_node

    raise typer.Exit(code=_run(lambda: run_node(home)))


# -------------------------------------------------------------------- net


@net_app.command("up")
def net_up(
    home: Annotated[Path, typer.Option("--home", help="network directory")] = Path("./net"),
    validators: Annotated[int, typer.Option("--validators", "-n", min=1)] = 4,
    chain_id: Annotated[str, typer.Option("--chain-id")] = "kv-1",
    base_port: Annotated[
        int, typer.Option("--base-port", help="validator i listens on port+i")
    ] = 26600,
) -> None:
    """Create (first time) and start n validator processes of one chain on loopback."""
    from chains.runtime.launcher import NET_FILE, create_network, start_network

    with Progress(console=console, transient=True) as progress:
        if not (home / NET_FILE).exists():
            task = progress.add_task("creating keys and genesis", total=2 * validators)
            _run(
                lambda: create_network(
                    home,
                    validators,
                    chain_id,
                    base_port=base_port,
                    on_progress=lambda step: progress.advance(task),
                )
            )
        task = progress.add_task("starting validators", total=validators)
        nodes = _run(lambda: start_network(home, on_progress=lambda step: progress.advance(task)))
    table = Table("validator", "gRPC", "metrics", "home")
    for node in nodes:
        table.add_row(node.name, node.address, f"http://{node.metrics}/metrics", str(node.home))
    console.print(table)
    console.print(f"accounts: {home / 'accounts'}; stop with: consortium net down --home {home}")


@net_app.command("down")
def net_down(
    home: Annotated[Path, typer.Option("--home", help="network directory")] = Path("./net"),
    remove: Annotated[bool, typer.Option("--remove", help="also delete the directory")] = False,
) -> None:
    """Stop the network's validator processes."""
    from chains.runtime.launcher import stop_network

    stopped = _run(lambda: stop_network(home, remove=remove))
    console.print(f"stopped {stopped} validator process(es)")


@net_app.command("status")
def net_status(home: Annotated[Path, typer.Option("--home")] = Path("./net")) -> None:
    """Height, round and peers of every validator of the network."""
    from chains.runtime.client import NodeClient, NodeError
    from chains.runtime.launcher import is_process_alive, read_network

    _, nodes, pids = _run(lambda: read_network(home))
    table = Table("validator", "pid", "height", "round", "peers", "mempool")
    for node in nodes:
        pid = pids.get(node.name)
        row = [node.name, str(pid) if is_process_alive(pid) else "down"]
        try:
            with NodeClient(node.address, timeout_s=2) as client:
                info = client.get_chain_info()
            row += [str(info.height), str(info.round), str(info.peers), str(info.mempool_size)]
        except NodeError:
            row += ["-", "-", "-", "-"]
        table.add_row(*row)
    console.print(table)


# ------------------------------------------------------------- consortium

ConsortiumDir = Annotated[
    Path, typer.Argument(help="consortium directory (keys, three chains, data)")
]


def _print_consortium_table(statuses) -> None:
    table = Table("chain", "validator", "gRPC", "pid", "height")
    for chain in statuses:
        for node in chain.nodes:
            table.add_row(
                chain.chain_id,
                node.name,
                node.address,
                str(node.pid) if node.running else "down",
                "-" if node.height is None else str(node.height),
            )
    console.print(table)


@app.command("up")
def consortium_up(
    directory: ConsortiumDir = Path("./consortium"),
    base_port: Annotated[
        int, typer.Option("--base-port", help="0: free ports; else chain i, validator j: +10i+j")
    ] = 0,
) -> None:
    """Create (first time) and start the tax, industry and finance chains: 12 validators."""
    from chains.consortium import (
        VALIDATORS_PER_CHAIN,
        create_consortium,
        get_consortium_status,
        get_creation_steps,
        is_consortium,
        start_consortium,
    )

    with Progress(console=console, transient=True) as progress:
        if not is_consortium(directory):
            task = progress.add_task("creating keys and genesis", total=get_creation_steps())
            _run(
                lambda: create_consortium(
                    directory, base_port, on_progress=lambda step: progress.advance(task)
                )
            )
        task = progress.add_task("starting validators", total=3 * VALIDATORS_PER_CHAIN)
        _run(lambda: start_consortium(directory, on_progress=lambda step: progress.advance(task)))
    from relay.daemon import read_process_file

    _print_consortium_table(_run(lambda: get_consortium_status(directory)))
    relayer = read_process_file(directory) or {}
    console.print(
        f"relayer: pid {relayer.get('pid')}, metrics http://127.0.0.1:"
        f"{relayer.get('metrics_port')}/metrics"
    )
    console.print(
        f"keys: {directory / 'orgs'}; seed data: consortium seed {directory}; "
        f"stop: consortium down {directory}"
    )


@app.command("status")
def consortium_status(directory: ConsortiumDir = Path("./consortium")) -> None:
    """Every validator of the three chains: process and height."""
    from chains.consortium import get_consortium_status

    statuses = _run(lambda: get_consortium_status(directory))
    _print_consortium_table(statuses)
    for chain in statuses:
        height = "-" if chain.height is None else chain.height
        console.print(
            f"{chain.chain_id}: height {height}, {chain.nodes_up} of {len(chain.nodes)} "
            "validators up"
        )


@app.command("down")
def consortium_down(
    directory: ConsortiumDir = Path("./consortium"),
    remove: Annotated[bool, typer.Option("--remove", help="also delete the directory")] = False,
) -> None:
    """Stop the consortium's validator processes."""
    from chains.consortium import stop_consortium

    stopped = _run(lambda: stop_consortium(directory, remove=remove))
    console.print(f"stopped {stopped} validator process(es)" + (", removed" if remove else ""))


@app.command("seed")
def consortium_seed(
    directory: ConsortiumDir = Path("./consortium"),
    enterprises: Annotated[
        int, typer.Option("--enterprises", help="synthetic enterprises (plus the two large ones)")
    ] = 20,
    seed: Annotated[int, typer.Option("--seed", help="same seed, same data")] = 7,
) -> None:
    """Fill a running consortium with synthetic enterprises and their records (seeded)."""
    from chains.consortium import require_running
    from chains.seed import compute_seed_plan, submit_seed_plan

    consortium = _run(lambda: require_running(directory))
    plan = _run(lambda: compute_seed_plan(seed, enterprises, consortium.get_public_keys()))
    started = time.monotonic()
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(
            f"seeding {len(plan.enterprises)} enterprises", total=len(plan.txs)
        )
        summaries = _run(
            lambda: submit_seed_plan(
                consortium, plan, on_progress=lambda done: progress.advance(task, done)
            )
        )
    table = Table("chain", "txs", "height", "records created")
    for summary in summaries:
        records = ", ".join(f"{count} {kind}" for kind, count in summary.records.items())
        table.add_row(summary.chain, str(summary.txs), str(summary.height), records)
    console.print(table)
    console.print(
        f"{len(plan.txs)} transactions committed, all succeeded, in "
        f"{time.monotonic() - started:.1f} s (seed {seed}); enterprise keys in "
        f"{directory / 'enterprises'}"
    )


@app.command("dashboard")
def dashboard(
    directory: ConsortiumDir = Path("./consortium"),
    port: Annotated[int, typer.Option("--port", help="the web server's port", min=1)] = 8501,
) -> None:
    """Serve the dashboards (Streamlit) of the consortium in DIR, in the foreground, until
    Ctrl-C: overview, explorer, enterprise, bank, regulator and auditor (docs/dashboards.md)."""
    from chains.consortium import read_consortium
    from dashboards.server import get_url, run_dashboard

    _run(lambda: read_consortium(directory))
    console.print(f"dashboards of {escape(str(directory))}: {get_url(port)} (Ctrl-C stops)")
    raise typer.Exit(code=run_dashboard(directory, port))


# --------------------------------------------------------------------- relay


@relay_app.command("start")
def relay_start(
    directory: ConsortiumDir = Path("./consortium"),
    detach: Annotated[
        bool, typer.Option("--detach", help="run as its own process and return")
    ] = False,
    metrics_port: Annotated[
        int, typer.Option("--metrics-port", help="Prometheus metrics port (0: a free one)")
    ] = 0,
) -> None:
    """Run the relayer of a running consortium (until Ctrl-C, or in the background)."""
    from chains.consortium import require_running
    from relay.daemon import read_process_file, run_relayer, start_relayer_process

    _run(lambda: require_running(directory))
    if detach:
        pid = _run(lambda: start_relayer_process(directory, metrics_port or None))
        port = (read_process_file(directory) or {}).get("metrics_port")
        console.print(f"relayer running: pid {pid}, metrics http://127.0.0.1:{port}/metrics")
        return
    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    _run(lambda: run_relayer(directory, metrics_port))


@relay_app.command("stop")
def relay_stop(directory: ConsortiumDir = Path("./consortium")) -> None:
    """Stop the consortium's relayer process."""
    from relay.daemon import stop_relayer

    console.print("relayer stopped" if stop_relayer(directory) else "no relayer was running")


@relay_app.command("status")
def relay_status(directory: ConsortiumDir = Path("./consortium")) -> None:
    """The relayer's process and every consent it has seen, with its outcome."""
    from relay.daemon import get_relay_dir, is_relayer_running, read_process_file
    from relay.relayer import iter_packets, load_state, summarise

    state = _run(lambda: load_state(get_relay_dir(directory) / "state.json"))
    process = read_process_file(directory) or {}
    running = is_relayer_running(directory)
    console.print(
        f"relayer: {'running, pid ' + str(process.get('pid')) if running else 'not running'}; "
        f"finance height read: {state.cursor}; "
        + ", ".join(f"{count} {status}" for status, count in summarise(state).items())
    )
    table = Table("consent", "application", "bank", "status", "code", "delivered at")
    for packet in iter_packets(state):
        table.add_row(
            escape(packet.record_id),
            escape(packet.application_id),
            escape(packet.bank),
            packet.status,
            packet.code or "-",
            str(packet.delivered_height or "-"),
        )
    console.print(table)


# --------------------------------------------------------------------- loans


def _get_finance_client(directory: Path):
    from chains.consortium import FINANCE, require_running
    from chains.runtime.client import NodeClient

    consortium = _run(lambda: require_running(directory))
    return consortium, NodeClient(consortium.get_chain(FINANCE).addresses[0])


def _print_record(title: str, record) -> None:
    table = Table(title=title, show_header=False)
    for name, value in record.fields.items():
        shown = value.hex() if isinstance(value, bytes) else str(value)
        table.add_row(escape(name), escape(shown if len(shown) <= 96 else shown[:93] + "..."))
    console.print(table)


@loan_app.command("apply")
def loan_apply(
    enterprise: Annotated[str, typer.Option("--enterprise", help="a seeded enterprise's code")],
    amount_yuan: Annotated[int, typer.Option("--amount", help="in yuan", min=1)],
    directory: ConsortiumDir = Path("./consortium"),
    application_id: Annotated[
        str, typer.Option("--application-id", help="default: LA-<code>-<time>")
    ] = "",
    wait: Annotated[bool, typer.Option("--wait/--no-wait", help="wait for the decision")] = True,
) -> None:
    """Apply to the enterprise's bank, signing one consent over its seeded records."""
    from chains.loan_story import apply_with_consent, get_enterprise_records, wait_for_decision
    from chains.seed import read_seed_plan

    consortium, client = _get_finance_client(directory)
    with client:
        plan = _run(lambda: read_seed_plan(consortium))
        chosen = _run(lambda: plan.get_enterprise(enterprise))
        key = _run(lambda: consortium.read_key(enterprise)).key_pair
        application_id = application_id or f"LA-{enterprise}-{int(time.time())}"
        records = get_enterprise_records(consortium, plan, enterprise)
        application = _run(
            lambda: apply_with_consent(
                consortium, plan, chosen, key, application_id, amount_yuan * 100
            )
        )
        console.print(
            f"applied: {application_id} to {chosen.house_bank}, consent "
            f"{application.consent_id} over {len(records)} records"
        )
        if not wait:
            return
        outcome = _run(lambda: wait_for_decision(client, application))
        _print_record(f"decision {outcome.decision.fields['decision_id']}", outcome.decision)


@loan_app.command("show")
def loan_show(
    application_id: Annotated[str, typer.Argument(help="the loan application's id")],
    directory: ConsortiumDir = Path("./consortium"),
) -> None:
    """An application, and its data set and decision: each read with its proof."""
    from chains.apps.bundle import fetch_verified_record
    from chains.finance.app import KIND_DECISION, KIND_LOAN
    from chains.finance.relay_rules import KIND_DATA_SET

    _, client = _get_finance_client(directory)
    with client:
        loan = _run(lambda: fetch_verified_record(client, KIND_LOAN, application_id))
        if loan is None:
            _fail(_not_found(f"there is no loan application {application_id!r}"))
        _print_record(f"loan {application_id}", loan)
        for kind, name in ((KIND_DATA_SET, "data_set_id"), (KIND_DECISION, "decision_id")):
            record_id = str(loan.fields.get(name, ""))
            if record_id:
                record = _run(lambda k=kind, r=record_id: fetch_verified_record(client, k, r))
                if record is not None:
                    _print_record(f"{kind} {record_id}", record)


def _not_found(message: str):
    from chains.core.errors import ConsortiumError, ErrorCode

    return ConsortiumError(ErrorCode.NOT_FOUND, message)


@loan_app.command("decide")
def loan_decide(
    application_id: Annotated[str, typer.Argument(help="the loan application's id")],
    bank: Annotated[str, typer.Option("--bank", help="the deciding bank's organisation id")],
    approve: Annotated[bool, typer.Option("--approve/--reject")],
    directory: ConsortiumDir = Path("./consortium"),
    amount_yuan: Annotated[int, typer.Option("--amount", help="approved, in yuan", min=0)] = 0,
    rate_bp: Annotated[int, typer.Option("--rate-bp", help="approved rate", min=0)] = 0,
    reason: Annotated[
        list[str] | None, typer.Option("--reason", help="a reason (repeat; one on rejection)")
    ] = None,
) -> None:
    """A bank officer decides an application by hand (signed with the bank's key)."""
    from chains.loan_story import decide_loan

    consortium, client = _get_finance_client(directory)
    client.close()
    sent = _run(
        lambda: decide_loan(
            consortium,
            bank,
            application_id,
            approve,
            amount_yuan * 100,
            rate_bp,
            list(reason or []),
        )
    )
    outcome = "approved" if approve else "rejected"
    console.print(f"decided: {application_id} {outcome} by {bank}, {sent.describe()}")


@consent_app.command("revoke")
def consent_revoke(
    consent_id: Annotated[str, typer.Argument(help="the consent's id")],
    enterprise: Annotated[str, typer.Option("--enterprise", help="the enterprise's code")],
    directory: ConsortiumDir = Path("./consortium"),
    reason: Annotated[str, typer.Option("--reason")] = "",
) -> None:
    """The enterprise revokes its consent: no transfer may use it afterwards."""
    from chains.loan_story import revoke_consent

    consortium, client = _get_finance_client(directory)
    client.close()
    sent = _run(lambda: revoke_consent(consortium, enterprise, consent_id, reason))
    console.print(f"revoked: consent {consent_id} of {enterprise}, {sent.describe()}")


# --------------------------------------------------------------------- tx


@tx_app.command("send")
def tx_send(
    key: Annotated[str, typer.Argument(help="KV key")],
    value: Annotated[str, typer.Argument(help="KV value")],
    account: Annotated[Path, typer.Option("--account", help="account key file")],
    node: NodeOption = DEFAULT_NODE,
    wait: Annotated[bool, typer.Option("--wait/--no-wait", help="wait until committed")] = True,
) -> None:
    """Sign a kv.set transaction and send it; wait for its commit and check its proof."""
    from chains.kv.app import make_kv_set_tx
    from chains.runtime.client import NodeClient, verify_transaction_response
    from chains.runtime.keys import read_account_key

    account_key = _run(lambda: read_account_key(account))
    with NodeClient(node) as client:
        info = _run(client.get_chain_info)
        nonce = _get_next_nonce(client, account_key.public_key)
        raw = make_kv_set_tx(
            account_key.key_pair, info.chain_id, nonce, key.encode(), value.encode()
        )
        admission = _run(lambda: client.submit([raw]))[0]
        console.print(f"admitted {admission.tx_id.hex()} (nonce {nonce})")
        if not wait:
            return
        response = _run(lambda: client.wait_for_transaction(admission.tx_id))
        validators = _run(lambda: client.get_validator_set(response.height))
        verdict = verify_transaction_response(validators, response)
        result = "ok" if response.code == 0 else f"failed {response.code}: {response.message}"
        console.print(
            f"committed at height {response.height} ({result}); "
            f"inclusion proof and certificate: {'verified' if verdict.ok else verdict}"
        )


def _get_next_nonce(client, sender: bytes) -> int:
    """The account's next nonce: its last committed one plus one."""
    from chains.core.app import get_nonce_key
    from chains.core.errors import ErrorCode
    from chains.runtime.client import NodeError

    try:
        response = client.query_state(get_nonce_key(sender))
    except NodeError as error:
        if error.code != ErrorCode.NOT_FOUND:  # NOT_FOUND: no block yet, so no nonce used
            _fail(error)
        return 1
    return (int.from_bytes(response.value, "big") if response.found else 0) + 1


# ---------------------------------------------------------------------- q


@q_app.command("info")
def q_info(node: NodeOption = DEFAULT_NODE) -> None:
    """The node's chain, height, round, peers and mempool."""
    from chains.runtime.client import NodeClient

    with NodeClient(node) as client:
        info = _run(client.get_chain_info)
    console.print_json(
        json.dumps(
            {
                "chain_id": info.chain_id,
                "node": info.node_name,
                "height": info.height,
                "last_block_hash": info.last_block_hash.hex(),
                "round": info.round,
                "peers": info.peers,
                "mempool_size": info.mempool_size,
                "genesis_hash": info.genesis_hash.hex(),
            }
        )
    )


@q_app.command("block")
def q_block(
    height: Annotated[int, typer.Argument(help="height (0: latest)")] = 0,
    node: NodeOption = DEFAULT_NODE,
) -> None:
    """A block with its certificate, verified against the validator set."""
    from chains.core.block import decode_block
    from chains.runtime.client import NodeClient, verify_certified_header

    with NodeClient(node) as client:
        if height == 0:
            height = _run(client.get_chain_info).height
        response = _run(lambda: client.get_block(height))
        validators = _run(lambda: client.get_validator_set(response.height))
    block = decode_block(response.block)
    _, certificate, verdict = verify_certified_header(
        validators, block.header.raw, response.certificate
    )
    header = block.header
    console.print(
        f"height {header.height} hash {header.hash.hex()}\n"
        f"time {header.time_unix_ms} txs {header.tx_count} state root {header.state_root.hex()}\n"
        f"certificate round {certificate.round if certificate else '-'}: "
        + ("[green]verified[/green]" if verdict.ok else f"[red]{verdict.code.name}[/red]")
    )


@q_app.command("tx")
def q_tx(
    tx_id: Annotated[str, typer.Argument(help="hex transaction id")],
    node: NodeOption = DEFAULT_NODE,
):
    """A committed transaction, its result, and its verified inclusion proof."""
    from chains.runtime.client import NodeClient, verify_transaction_response

    with NodeClient(node) as client:
        response = _run(lambda: client.get_transaction(bytes.fromhex(tx_id)))
        validators = _run(lambda: client.get_validator_set(response.height))
    verdict = verify_transaction_response(validators, response)
    console.print(
        f"height {response.height} index {response.index} result "
        f"{'ok' if response.code == 0 else response.message}; proof "
        + ("[green]verified[/green]" if verdict.ok else f"[red]{verdict.code.name}[/red]")
    )


@q_app.command("kv")
def q_kv(
    key: Annotated[str, typer.Argument()],
    height: Annotated[int, typer.Option("--height", help="0: latest")] = 0,
    node: NodeOption = DEFAULT_NODE,
) -> None:
    """A KV value (or its absence) with a verified state proof."""
    from chains.kv.app import get_kv_key
    from chains.runtime.client import NodeClient, verify_state_response

    state_key = get_kv_key(key.encode())
    with NodeClient(node) as client:
        response = _run(lambda: client.query_state(state_key, height))
        validators = _run(lambda: client.get_validator_set(response.height))
    checked = verify_state_response(validators, state_key, response)
    shown = "absent" if checked.value is None else repr(checked.value.decode(errors="replace"))
    console.print(
        f"{key} = {shown} at height {checked.height}; proof and certificate "
        + ("[green]verified[/green]" if checked.verdict.ok else f"[red]{checked.verdict}[/red]")
    )


# ---------------------------------------------------------------- bundles

err_console = Console(stderr=True)


@app.command("bundle")
def bundle(
    kind: Annotated[str, typer.Argument(help="record kind: invoice, clearance, filing, ...")],
    record_id: Annotated[str, typer.Argument(metavar="ID", help="the record's id")],
    out: Annotated[Path, typer.Option("--out", help="bundle file to write (JSON)")],
    node: NodeOption = DEFAULT_NODE,
    field: Annotated[
        list[str] | None,
        typer.Option("--field", help="disclose only this field (repeat); default: every field"),
    ] = None,
    height: Annotated[int, typer.Option("--height", help="0: latest", min=0)] = 0,
) -> None:
    """Write an offline bundle of a record: fields, state proof, header, certificate, validators.

    The node's answers are verified before anything is written. Check the
    file anywhere, with no node, with ``consortium verify``.
    """
    from chains.apps.bundle import fetch_record_bundle
    from chains.runtime.client import NodeClient

    with NodeClient(node) as client:
        document = _run(lambda: fetch_record_bundle(client, kind, record_id, field or None, height))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(document, indent=2) + "\n")
    except OSError as error:
        err_console.print(f"[red]cannot write {escape(str(out))}[/red]: {escape(str(error))}")
        raise typer.Exit(code=2) from None
    fields = document["fields"]
    console.print(
        f"wrote {escape(str(out))}: {escape(kind)} {escape(record_id)} on chain "
        f"{escape(str(document['chain_id']))} at height {document['height']}, "
        f"{len(fields['disclosed'])} of {fields['field_count']} fields disclosed",
        soft_wrap=True,
    )


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all (a temporary file, then a rename)."""
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        "w", dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False
    ) as handle:
        try:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        except BaseException:
            os.unlink(handle.name)
            raise
    os.replace(handle.name, path)


@audit_app.command("export")
def audit_export(
    decision_id: Annotated[
        str, typer.Argument(metavar="DECISION_ID", help="the decision's id, e.g. LA-1:policy")
    ],
    out: Annotated[Path, typer.Option("--out", help="audit bundle file to write (JSON)")],
    directory: ConsortiumDir = Path("./consortium"),
    node: Annotated[
        str | None,
        typer.Option("--node", help="host:port of a finance node (default: the consortium's)"),
    ] = None,
) -> None:
    """Write the audit bundle of a loan decision (docs/bundles.md, "Audit bundles").

    The decision, its application, data set, consent and policy, and the finance
    chain's light clients of the source chains at the heights the data set rests
    on, each with its proof under one certified finance header; and the transfer
    transaction that created the data set with its inclusion proof. Every answer is verified
    before anything is written. Check the file anywhere, with no node, with
    ``consortium verify FILE --genesis <finance genesis.json>``.
    """
    from chains.apps.audit import fetch_audit_bundle
    from chains.runtime.client import NodeClient

    genesis_hint = "<finance genesis.json>"
    if node:
        client = NodeClient(node)
    else:
        from chains.consortium import FINANCE

        consortium, client = _get_finance_client(directory)
        genesis_hint = str(consortium.get_chain(FINANCE).genesis_path)
    with client:
        document = _run(lambda: fetch_audit_bundle(client, decision_id))
    try:
        _write_atomically(out, json.dumps(document, indent=2) + "\n")
    except OSError as error:
        err_console.print(f"[red]cannot write {escape(str(out))}[/red]: {escape(str(error))}")
        raise typer.Exit(code=2) from None
    console.print(
        f"wrote {escape(str(out))}: decision {escape(decision_id)} on chain "
        f"{escape(str(document['chain_id']))} at height {document['height']}, "
        f"{len(document['records'])} records and the transfer transaction at height "
        f"{document['transaction']['height']}; check it with: consortium verify "
        f"{escape(str(out))} --genesis {escape(genesis_hint)}",
        soft_wrap=True,
    )


def _unreadable(message: str) -> None:
    """Say why the input cannot be read and exit 2 (never a traceback)."""
    err_console.print(f"[red]cannot verify[/red]: {escape(message)}", soft_wrap=True)
    raise typer.Exit(code=2)


@app.command("verify")
def verify(
    bundle_file: Annotated[Path, typer.Argument(metavar="BUNDLE.json", help="a bundle file")],
    genesis_file: Annotated[
        Path | None,
        typer.Option("--genesis", help="the chain's genesis file: the trusted validator set"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Check a record bundle, or a decision's audit bundle, offline, step by step
    (docs/bundles.md). An audit bundle needs ``--genesis`` with the finance genesis.

    Exit 0 when it verifies, 1 when it does not, 2 when the bundle or the
    genesis file cannot be read.
    """
    from chains.apps.audit import AUDIT_BUNDLE_FORMAT
    from chains.apps.bundle import describe_bundle, get_report_document, verify_record_bundle
    from chains.core.errors import ConsortiumError
    from chains.runtime.genesis import read_genesis

    trusted, chain_id = None, None
    genesis = None
    if genesis_file is not None:
        try:
            genesis = read_genesis(genesis_file)
        except ConsortiumError as error:
            _unreadable(f"{genesis_file}: {error.code.name}: {error.message}")
        trusted, chain_id = genesis.validators, genesis.chain_id
    try:
        document = json.loads(bundle_file.read_bytes())
    except OSError as error:
        _unreadable(f"cannot read {bundle_file}: {error.strerror or error}")
    except (ValueError, RecursionError) as error:
        _unreadable(f"{bundle_file} is not JSON: {error}")
    if isinstance(document, dict) and document.get("format") == AUDIT_BUNDLE_FORMAT:
        _verify_audit(document, genesis, as_json)
    report = verify_record_bundle(document, trusted, chain_id=chain_id)
    _print_report(report, get_report_document(report), describe_bundle(report), as_json)


def _verify_audit(document: dict, genesis, as_json: bool) -> None:
    """Check an audit bundle against the finance genesis; exit 0, 1, or 2 without a genesis."""
    from chains.apps.audit import describe_audit, get_audit_report_document, verify_audit_bundle

    if genesis is None:
        _unreadable(
            "an audit bundle is checked against the finance chain's genesis: "
            "pass --genesis <finance genesis.json>"
        )
    report = verify_audit_bundle(document, genesis)
    _print_report(report, get_audit_report_document(report), describe_audit(report), as_json)


def _print_report(report, document: dict, lines: list[str], as_json: bool) -> None:
    """Print a verification report (its passed steps, then what it means) or its JSON;
    exit 0 when it verified, 1 when not."""
    if as_json:
        typer.echo(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        for step in report.steps:
            if step.ok:  # the failing step is the first line of the summary
                console.print(
                    f"[green]✓[/green] {step.name}: {escape(step.detail)}", soft_wrap=True
                )
        colour = "green" if report.ok else "red"
        for line in lines:
            console.print(f"[{colour}]{escape(line)}[/{colour}]", soft_wrap=True)
    raise typer.Exit(code=0 if report.ok else 1)


def main() -> None:
    """Entry point of the ``consortium`` console script."""
    os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
    app()


if __name__ == "__main__":
    main()
