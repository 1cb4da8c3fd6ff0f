"""Choosing a BLS backend by name: ``get_bls("fast")`` (default) or ``get_bls("py_ecc")``."""

from __future__ import annotations

from chains.core.crypto.bls.types import BlsBackend
from chains.core.errors import ConsortiumError, ErrorCode

DEFAULT_BACKEND = "fast"
BACKEND_NAMES = ("fast", "py_ecc")

_instances: dict[str, BlsBackend] = {}


def _create(name: str) -> BlsBackend:
    # Imported lazily so that using one backend never requires loading the other.
    if name == "fast":
        from chains.core.crypto.bls.fast_backend import FastBackend

        return FastBackend()
    from chains.core.crypto.bls.py_ecc_backend import PyEccBackend

    return PyEccBackend()


def get_bls(name: str = DEFAULT_BACKEND) -> BlsBackend:
    """The shared backend called ``name``; raises ConsortiumError(UNKNOWN_BACKEND).

    One instance per name, so the fast backend's key caches are shared by all
    callers in the process.
    """
    if name not in BACKEND_NAMES:
        raise ConsortiumError(
            ErrorCode.UNKNOWN_BACKEND,
            f"unknown BLS backend {name!r}; choose one of {', '.join(BACKEND_NAMES)}",
        )
    instance = _instances.get(name)
    if instance is None:
        instance = _instances.setdefault(name, _create(name))
    return instance
