"""What every chain shares. PURE: no sockets, clocks, randomness, threads or databases.

The import boundary is enforced by ``tests/test_import_boundary.py``.
"""
