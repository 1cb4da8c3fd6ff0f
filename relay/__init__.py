"""Cross-chain relay: light clients and proof verification (pure) and the relayer (I/O).

- :mod:`relay.light_client`: a light client of a source chain (ICS-02/ICS-07
  shaped): which certified headers to trust, freezing on conflicting headers,
  expiry after the trusting period, and state proofs against trusted headers.

Consents, transfers and the relayer daemon are still to come (issue 6).
"""
