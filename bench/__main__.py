"""Command line of the benchmarks: ``python -m bench NAME [--quick]``."""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys

import bench


def get_benchmark_names() -> list[str]:
    """Names of the available benchmarks (the modules of the ``bench`` package)."""
    return sorted(
        m.name for m in pkgutil.iter_modules(bench.__path__) if not m.name.startswith("_")
    )


def main(argv: list[str] | None = None) -> int:
    """Run one benchmark and print its figures as one JSON object on the last line."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("name", choices=get_benchmark_names())
    parser.add_argument("--quick", action="store_true", help="small sizes, for smoke tests")
    args = parser.parse_args(argv)
    module = importlib.import_module(f"bench.{args.name}")
    figures = module.run(quick=args.quick)
    sys.stdout.flush()
    print(json.dumps(figures, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
