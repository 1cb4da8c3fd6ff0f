"""Tests of the state tree (chains/core/state_tree) against a naive reference model."""
