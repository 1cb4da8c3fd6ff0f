"""Benchmarks: ``python -m bench NAME [--quick]`` prints one JSON object on its last line.

Each benchmark is a module ``bench/NAME.py`` with ``run(quick: bool) -> dict``.
``--quick`` shrinks the sizes so that the test suite can check that every
benchmark still runs; figures are only quoted from full runs. Speed is never
asserted in a test: the machine is shared and noisy.
"""
