"""Conformance tests of the node storage, run against every backend."""
