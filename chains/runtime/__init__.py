"""Adapters around the pure core: node process, peers, mempool, storage, metrics."""
