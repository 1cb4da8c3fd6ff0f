"""Real validator processes on loopback: crash, restart, catch up, lose nothing, sign once.

These start 4 OS processes (``consortium node start``) with SQLite storage and
drive them over gRPC, as an operator's network would run.
"""

from __future__ import annotations

import time

import pytest

from chains.core.block import decode_block
from chains.core.consensus.certificate import decode_certificate, verify_commit
from chains.core.consensus.signing import BlsScheme
from tests.runtime.netutil import LocalNet, SteadyLoad

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


@pytest.fixture
def net(tmp_path):
    network = LocalNet(tmp_path)
    network.start_all()
    yield network
    network.stop_all()


def _assert_same_chain(net: LocalNet, up_to: int) -> None:
    reference = net.block_hashes(0, up_to)
    for index in range(1, len(net.nodes)):
        assert net.block_hashes(index, up_to) == reference, f"validator {index} differs"
    with net.client(0) as client:
        validators = client.get_validator_set(1)
        for height in range(1, up_to + 1):
            response = client.get_block(height)
            header = decode_block(response.block).header
            certificate = decode_certificate(response.certificate)
            assert verify_commit(validators, header, certificate, BlsScheme()).ok


def test_a_validator_killed_mid_load_restarts_catches_up_and_agrees(net: LocalNet) -> None:
    net.wait_height(0, 3)
    with SteadyLoad(net, per_second=200) as load:
        net.wait_height(0, net.height(0) + 3)
        before_kill = net.height(2)
        net.kill(2)  # SIGKILL: no clean shutdown
        net.wait_height(0, before_kill + 5)  # the other three go on without it
        net.start(2)
        target = net.height(0) + 3
        catch_up_s = net.wait_height(2, target)
        assert net.height(2) >= before_kill  # nothing it had committed was lost
    top = min(net.height(i) for i in range(4))
    net.wait_height(0, top)
    _assert_same_chain(net, top)
    # Every accepted transaction is committed, once.
    deadline = time.monotonic() + 30
    with net.client(1) as client:
        for tx_id in load.accepted:
            while True:
                try:
                    client.get_transaction(tx_id)
                    break
                except Exception:
                    assert time.monotonic() < deadline, "an accepted transaction was lost"
                    time.sleep(0.2)
    # No validator signed two conflicting votes: no node saw evidence of it.
    assert all(net.metric(i, "consortium_evidence_total") == 0 for i in range(4))
    assert catch_up_s < 60


def test_with_two_of_four_stopped_nothing_commits_and_restarting_them_resumes(
    net: LocalNet,
) -> None:
    net.wait_height(0, 3)
    net.kill(2)
    net.kill(3)
    time.sleep(1.5)  # a block already certified may still land
    stalled = [net.height(0), net.height(1)]
    time.sleep(5)
    assert [net.height(0), net.height(1)] == stalled, "committed without a quorum"
    restarted = time.monotonic()
    net.start(2)
    net.start(3)
    net.wait_height(0, max(stalled) + 1, timeout_s=20)
    resumed_s = time.monotonic() - restarted
    assert resumed_s <= 20
    top = max(stalled) + 2
    for index in range(4):
        net.wait_height(index, top)
    _assert_same_chain(net, top)


def test_the_whole_network_killed_at_once_restarts_from_disk(net: LocalNet) -> None:
    net.wait_height(0, 3)
    with SteadyLoad(net, per_second=100):
        net.wait_height(0, net.height(0) + 2)
        heights = [net.height(i) for i in range(4)]
        for index in range(4):
            net.kill(index)
    net.start_all()
    # Every validator comes back at least where it was, and the chain goes on.
    for index, height in enumerate(heights):
        assert net.height(index) >= height
    top = max(heights) + 3
    for index in range(4):
        net.wait_height(index, top)
    _assert_same_chain(net, top)


def test_a_validator_down_for_many_heights_fetches_the_blocks_it_missed(net: LocalNet) -> None:
    net.wait_height(0, 2)
    net.kill(3)
    missed_from = net.height(1)
    net.wait_height(0, missed_from + 40, timeout_s=120)  # more than one batch of blocks
    net.start(3)
    target = net.height(0)
    net.wait_height(3, target, timeout_s=60)
    _assert_same_chain(net, target)


def test_a_follower_without_a_key_keeps_up_and_serves_the_same_chain(net: LocalNet) -> None:
    follower = net.add_follower()
    net.start(follower)
    net.wait_height(0, 3)
    target = net.height(0) + 2
    net.wait_height(follower, target)
    reference = net.block_hashes(0, target)
    assert net.block_hashes(follower, target) == reference
    with net.client(follower) as client:
        info = client.get_chain_info()
    assert info.validator_public_key == b""  # it never votes
