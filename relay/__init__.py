"""Cross-chain relay: light clients and proof verification (pure) and the relayer (I/O).

- :mod:`relay.light_client`: a light client of a source chain (ICS-02/ICS-07
  shaped): which certified headers to trust, freezing on conflicting headers,
  expiry after the trusting period, and state proofs against trusted headers.
- :mod:`relay.consent`: the one consent an enterprise signs, and its checks
  (signature, owner proven from the tax chain's registry, bank, chain,
  validity window, scope).
- :mod:`relay.codec`: a light client as a destination chain stores it (its
  state under one key, each trusted header under its own).
- :mod:`relay.transfer`: a relay's delivery under one consent, checked end to
  end (consent, owner, each record's head against a trusted header, the
  disclosed fields against the head's commitment, the consent's scope).

The finance chain's transactions that use these are in
:mod:`chains.finance.relay_rules`, and the source side's consent-gated serving
in :mod:`chains.apps.disclosure`. The only modules here that do I/O:

- :mod:`relay.relayer`: the courier (watch, disclose, transfer, acknowledge,
  refresh the light clients; crash-safe state);
- :mod:`relay.daemon`: the relayer as an OS process beside a consortium;
- :mod:`relay.metrics`: its Prometheus metrics.
"""
