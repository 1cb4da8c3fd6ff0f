"""The three chains of the consortium: shared core, runtime and applications."""
