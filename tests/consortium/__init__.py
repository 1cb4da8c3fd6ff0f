"""Tests of the three-chain consortium on one machine and its synthetic data."""
