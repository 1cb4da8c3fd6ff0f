"""The ``consortium`` command line."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="consortium",
    help="Tax–Industry–Finance Consortium: three permissioned chains joined by a verifying relay.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def _root() -> None:
    """Tax–Industry–Finance Consortium command line."""


@app.command()
def demo() -> None:
    """Walk through the building blocks on sample e-invoices, verifying each step."""
    from chains.demo import run_demo

    ok = run_demo()
    raise typer.Exit(code=0 if ok else 1)


def main() -> None:
    """Entry point of the ``consortium`` console script."""
    app()
