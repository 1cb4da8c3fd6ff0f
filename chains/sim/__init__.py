"""A deterministic simulator for the consensus core (a test and benchmark helper).

It drives n nodes' pure state machines over a seeded network with delay,
drop, duplication, reordering, partitions that heal at a global stabilisation
time, crashes and restarts from persisted safety data, and Byzantine nodes
(Twins-style key sharing and an equivocating proposer), and checks agreement,
validity, certificates, no double signing by honest nodes and progress after
healing on every run. ``python -m chains.sim`` runs a seed search.
"""
