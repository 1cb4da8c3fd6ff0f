"""Cross-chain relay: light clients and proof verification (pure) and the relayer (I/O).

The light clients and the relayer daemon arrive with the relay issue.
"""
