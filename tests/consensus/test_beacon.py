"""The randomness beacon: drand round verification on real published rounds, and Lotus's block rules."""

from __future__ import annotations

from dataclasses import replace

import pytest

from filnet.chain.block import BeaconEntry
from filnet.consensus.beacon import (
    DEVNET_BEACON_SECRET,
    BeaconSchedule,
    BeaconSource,
    LocalBeacon,
    beacon_entries_for_block,
    beacon_schedule_for_network,
    local_beacon_public_key,
    max_beacon_round_for_epoch,
    validate_block_beacon_entries,
)
from filnet.consensus.drand import (
    DRAND_INCENTINET,
    DRAND_MAINNET,
    DRAND_QUICKNET,
    BeaconError,
    DrandNetwork,
    DrandScheme,
    verify_entry,
)
from filnet.errors import InvalidInput
from filnet.params.network import CALIBNET, DEVNET, MAINNET, PROFILES

# Real drand rounds. Mainnet rounds 1-3 and 3907446-7 and quicknet's are from ChainSafe forest's
# src/beacon/tests/fixtures/drand_{mainnet,quicknet}.json (fetched from api.drand.sh); mainnet 72785 and the
# unchained testnet round from noislabs/drand-verify's src/verify.rs tests; quicknet 657413 and mainnet
# 3311596 from mcdcam/python-drand-verify's README.
MAINNET_ROUNDS = {
    1: (
        "8d61d9100567de44682506aea1a7a6fa6e5491cd27a0a0ed349ef6910ac5ac20ff7bc3e09d7c046566c9f7f3c6f3b101"
        "04990e7cb424998203d8f7de586fb7fa5f60045417a432684f85093b06ca91c769f0e7ca19268375e659c2a2352b4655"
    ),
    2: (
        "aa18facd2d51b616511d542de6f9af8a3b920121401dad1434ed1db4a565f10e04fad8d9b2b4e3e0094364374caafe9b"
        "10478bf75650124831509c638b5a36a7a232ec70289f8751a2adb47fc32eb70b57dc81c39d48cbcac9fec46cdfc31663"
    ),
    3: (
        "a7b0877eaea7a0222f4c39a2c03434c34f5fe3ea47c533d24b88e5c3053b84775ccb78e984addcb55173f40428513f28"
        "0cc6e0fccc3c89bb1625c7c0b477deb6faae43fc6ec036f09233bf38da16586b3042dd01a7e9ed97c8bafa343cc6071e"
    ),
    3907445: (
        "9809d113dac46be77af98d0a6109d09b542a8ecaa97ba989e4c610a0f35b0400b9d287af87075c2f520dc0aa31b3eac7"
        "1654c44e6eb77bb0a9950a695221e00068e778e2851c17739528481a1a76da4d0cbc6993b95ad7c674ae028d41ace02f"
    ),
    3907446: (
        "934d1eb250fec0e5234c11a7e30a8c428a975b500df0deb91a6f6ca57dace8d90705812673e517ad163731f7a2861d1d"
        "18cfd60dcca4c93bf01f8ad38279e09cf991d7babe0bd81329daec2702bfb8c6b870fb381e35216528e2e2c0b742c2ba"
    ),
    3907447: (
        "ac7ad5153605b6a3ec082640989b49e34f554ada33a9d944268213fb2a030cbaf0262c916cfaad866bde80682edeb223"
        "129465ae9540cdffd7d85b0180eeba125b16fd1b938c2bbc9bf2597fe20be688b58a615a209f2c6701363228c0682755"
    ),
    72784: (
        "a609e19a03c2fcc559e8dae14900aaefe517cb55c840f6e69bc8e4f66c8d18e8a609685d9917efbfb0c37f058c2de88f"
        "13d297c7e19e0ab24813079efe57a182554ff054c7638153f9b26a60e7111f71a0ff63d9571704905d3ca6df0b031747"
    ),
    72785: (
        "82f5d3d2de4db19d40a6980e8aa37842a0e55d1df06bd68bddc8d60002e8e959eb9cfa368b3c1b77d18f02a54fe047b8"
        "0f0989315f83b12a74fd8679c4f12aae86eaf6ab5690b34f1fddd50ee3cc6f6cdf59e95526d5a5d82aaa84fa6f181e42"
    ),
    3311595: (
        "8ed588f2a7716fb1349e2d9803da5db0005e98a83783c353d4a08f183236a9ad91d70ddb01266f4b7c576983db464b43"
        "0e65680b9e0098552758afd6c1e6afcb77e3f62fe1b93d42d1cb63abbb2205512fe12fbf74ea9c5ac3b8f5c1e283a1d8"
    ),
    3311596: (
        "a696b9409ababce45749c3a4ec369074453dd4a79967734e1390d969c8ad8d98897d217b9121e92c8ddebbddda8d92f9"
        "00e3bd6bf9deb166863b1a19390d743f82774001487594c5c09e581db7365f02b70a2c8cc41ce32446ef08e4890c4754"
    ),
}
# (round, previous round) pairs of MAINNET_ROUNDS whose chaining the tests check.
MAINNET_CHAIN = [(2, 1), (3, 2), (3907446, 3907445), (3907447, 3907446), (72785, 72784), (3311596, 3311595)]

QUICKNET_ROUNDS = {
    1: "b55e7cb2d5c613ee0b2e28d6750aabbb78c39dcc96bd9d38c2c2e12198df95571de8e8e402a0cc48871c7089a2b3af4b",
    2: "b6b6a585449b66eb12e875b64fcbab3799861a00e4dbf092d99e969a5eac57dd3f798acf61e705fe4f093db926626807",
    3: "b3fab6df720b68cc47175f2c777e86d84187caab5770906f515ff1099cb01e4deaa027075d860823e49477b93c72bd64",
    657413: (
        "b713718a38ae728dfd477991af2822e08d2f305e47718cef9f7848ce4050e7be41076862b98fad56e91a6b85b89cd97b"
    ),
    30662982: (
        "8b3edd0d42a2fa36ac15641a2dea2e4f4895acec2ef72ef39e5b6138f0346fb6b046dde1b4b3d09ff5fe8a6a7acd674a"
    ),
    30662990: (
        "8b2ebe176d153849d5db7f358a3a21be96f8c5d1c26ed2b530fff4419face8909d77f4ee6a211623e2432c30841411b5"
    ),
    30662992: (
        "b72a64269e84523a73a87db491505b6f1675dfc7f71c69026efdce3996f59ce2d1b446fc00c13beff7fcfd428053a534"
    ),
    30663002: (
        "b9e7e1e3d7d9cf17a9f4703abfae4c137acfbef1fdb45715a98422c244a499ea381c7fd759851ed8eeb8a03d778959b3"
    ),
}

# drand's unchained testnet (pl-us.testnet.drand.sh/7672797f…/info), the pedersen-bls-unchained scheme.
UNCHAINED_TESTNET = DrandNetwork(
    name="testnet-unchained-3s",
    chain_hash="7672797f548f3f4748ac4bf3352fc6c6b6468c9ad40ad456a397545c6e2df5bf",
    public_key=bytes.fromhex(
        "8200fc249deb0148eb918d6e213980c5d01acd7fc251900d9260136da3b54836ce125172399ddc69c4e3e11429b62c11"
    ),
    genesis_time=1651677099,
    period=3,
    scheme=DrandScheme.PEDERSEN_BLS_UNCHAINED,
    group_hash=bytes.fromhex("65083634d852ae169e21b6ce5f0410be9ed4cc679b9970236f7875cff667e13d"),
    beacon_id="testnet-unchained-3s",
)
UNCHAINED_TESTNET_ROUND = (
    223344,
    "94f6b85df7cce7237e8e7df66d794ddad092de5d8bb6a791b97e905aa89852e506ac36a792eba7021e22eebf34891f89"
    "14bf9a8dd9233ea0a4c5ca00ef8404999f899073dd2eade61fe54077fee8168f83dcb61a758b6883b38904054e64a433",
)

MAINNET_GENESIS = 1598306400  # Filecoin mainnet's genesis timestamp
BLOCK_DELAY = 30


def mainnet_entry(round: int) -> BeaconEntry:
    return BeaconEntry(round, bytes.fromhex(MAINNET_ROUNDS[round]))


def quicknet_entry(round: int) -> BeaconEntry:
    return BeaconEntry(round, bytes.fromhex(QUICKNET_ROUNDS[round]))


def flip_bit(data: bytes, bit: int) -> bytes:
    out = bytearray(data)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


def bad_signature_or_malformed(
    network: DrandNetwork, entry: BeaconEntry, previous: BeaconEntry | None
) -> None:
    with pytest.raises(BeaconError) as info:
        verify_entry(network, entry, previous)
    assert info.value.round == entry.round
    assert f"round {entry.round}" in str(info.value)


# -- drand networks -----------------------------------------------------------------------------------


def test_lotus_chain_info_constants() -> None:
    # Lotus build/buildconstants/drand.go ChainInfoJSON; the constructor also checks each chain hash.
    assert DRAND_MAINNET.chain_hash == "8990e7a9aaed2ffed73dbd7092123d6f289930540d7651336225dc172e51b2ce"
    assert DRAND_QUICKNET.chain_hash == "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971"
    assert DRAND_INCENTINET.chain_hash == "80c8b872c714f4c00fdd3daa465d5514049f457f01f85a4caf68cdcd394ba039"
    assert (DRAND_QUICKNET.genesis_time, DRAND_QUICKNET.period) == (1692803367, 3)
    assert (DRAND_MAINNET.genesis_time, DRAND_MAINNET.period) == (1595431050, 30)
    assert DRAND_MAINNET.is_chained and DRAND_INCENTINET.is_chained and not DRAND_QUICKNET.is_chained


def test_invalid_chain_hash_is_refused() -> None:
    with pytest.raises(InvalidInput, match="chain hash"):
        replace(DRAND_QUICKNET, genesis_time=DRAND_QUICKNET.genesis_time + 1)


def test_invalid_public_key_is_refused() -> None:
    with pytest.raises(InvalidInput, match="public key"):
        replace(DRAND_QUICKNET, public_key=DRAND_MAINNET.public_key)  # a G1 key for a G2-key scheme
    with pytest.raises(InvalidInput, match="public key"):
        replace(DRAND_MAINNET, public_key=flip_bit(DRAND_MAINNET.public_key, 200))


def test_round_time() -> None:
    assert DRAND_QUICKNET.round_time(1) == DRAND_QUICKNET.genesis_time
    assert DRAND_QUICKNET.round_time(11) == DRAND_QUICKNET.genesis_time + 30


# -- verification of real rounds ------------------------------------------------------------------------


@pytest.mark.parametrize(("round", "prev"), MAINNET_CHAIN)
def test_mainnet_chained_rounds_verify(round: int, prev: int) -> None:
    verify_entry(DRAND_MAINNET, mainnet_entry(round), mainnet_entry(prev))


def test_mainnet_round_one_chains_to_the_group_hash() -> None:
    verify_entry(DRAND_MAINNET, mainnet_entry(1), DRAND_MAINNET.genesis_entry())


@pytest.mark.parametrize("round", sorted(QUICKNET_ROUNDS))
def test_quicknet_rounds_verify(round: int) -> None:
    verify_entry(DRAND_QUICKNET, quicknet_entry(round), None)


def test_pedersen_unchained_round_verifies() -> None:
    round, signature = UNCHAINED_TESTNET_ROUND
    verify_entry(UNCHAINED_TESTNET, BeaconEntry(round, bytes.fromhex(signature)), None)
    bad_signature_or_malformed(UNCHAINED_TESTNET, BeaconEntry(round - 1, bytes.fromhex(signature)), None)


@pytest.mark.parametrize("bit", [0, 7, 100, 383])
def test_invalid_quicknet_flipped_bit(bit: int) -> None:
    entry = quicknet_entry(30662992)
    bad_signature_or_malformed(DRAND_QUICKNET, replace(entry, data=flip_bit(entry.data, bit)), None)


@pytest.mark.parametrize("bit", [0, 7, 300, 767])
def test_invalid_mainnet_flipped_bit(bit: int) -> None:
    entry = mainnet_entry(3907447)
    bad_signature_or_malformed(
        DRAND_MAINNET, replace(entry, data=flip_bit(entry.data, bit)), mainnet_entry(3907446)
    )


def test_invalid_wrong_round() -> None:
    entry = quicknet_entry(30662992)
    bad_signature_or_malformed(DRAND_QUICKNET, replace(entry, round=30662993), None)
    chained = mainnet_entry(3907447)
    bad_signature_or_malformed(DRAND_MAINNET, replace(chained, round=3907448), mainnet_entry(3907446))


def test_invalid_wrong_previous_signature() -> None:
    entry = mainnet_entry(3907447)
    bad_signature_or_malformed(DRAND_MAINNET, entry, mainnet_entry(3907445))
    previous = mainnet_entry(3907446)
    bad_signature_or_malformed(DRAND_MAINNET, entry, replace(previous, data=flip_bit(previous.data, 5)))


def test_invalid_chained_entry_without_previous() -> None:
    with pytest.raises(BeaconError, match=r"round 3907447.*previous"):
        verify_entry(DRAND_MAINNET, mainnet_entry(3907447), None)


def test_invalid_signature_of_another_network() -> None:
    bad_signature_or_malformed(DRAND_INCENTINET, mainnet_entry(3), mainnet_entry(2))
    # A quicknet signature is a G1 point: too short for mainnet's G2 signatures, and the other way round.
    bad_signature_or_malformed(DRAND_MAINNET, quicknet_entry(3), mainnet_entry(2))
    bad_signature_or_malformed(DRAND_QUICKNET, mainnet_entry(3), None)


def test_invalid_signature_not_a_point() -> None:
    bad_signature_or_malformed(DRAND_QUICKNET, BeaconEntry(5, b"\xff" * 48), None)
    bad_signature_or_malformed(DRAND_QUICKNET, BeaconEntry(5, b""), None)


# -- schedule and rounds ---------------------------------------------------------------------------------


def test_schedule_picks_the_latest_point_at_or_before_an_epoch() -> None:
    schedule = BeaconSchedule(((10, DRAND_INCENTINET), (100, DRAND_MAINNET), (200, DRAND_QUICKNET)))
    assert schedule.network_for_epoch(0) is DRAND_INCENTINET  # before the first point: the first (Lotus)
    assert schedule.network_for_epoch(99) is DRAND_INCENTINET
    assert schedule.network_for_epoch(100) is DRAND_MAINNET
    assert schedule.network_for_epoch(199) is DRAND_MAINNET
    assert schedule.network_for_epoch(200) is DRAND_QUICKNET
    assert schedule.network_for_epoch(10**9) is DRAND_QUICKNET


def test_invalid_schedule() -> None:
    with pytest.raises(InvalidInput):
        BeaconSchedule(())
    with pytest.raises(InvalidInput, match="increase"):
        BeaconSchedule(((0, DRAND_MAINNET), (0, DRAND_QUICKNET)))


def test_max_round_matches_forest_and_lotus_arithmetic() -> None:
    schedule = BeaconSchedule(((0, DRAND_QUICKNET),))
    # forest's test_max_beacon_round_for_epoch_quicknet (from the FIP-0063 discussion)
    expected = ((MAINNET_GENESIS + 3547000 * 30) - 1692803367 - 30) // 3 + 1
    assert max_beacon_round_for_epoch(schedule, 3547000, MAINNET_GENESIS, BLOCK_DELAY) == expected
    # The rounds in the forest fixture are those of mainnet epochs 6216198..6216200.
    assert max_beacon_round_for_epoch(schedule, 6216198, MAINNET_GENESIS, BLOCK_DELAY) == 30662982
    assert max_beacon_round_for_epoch(schedule, 6216199, MAINNET_GENESIS, BLOCK_DELAY) == 30662992
    # Before drand's genesis, round 1.
    assert max_beacon_round_for_epoch(BeaconSchedule(((0, DRAND_QUICKNET),)), 5, 1_000_000_000, 30) == 1


def test_max_round_on_mainnet_schedule() -> None:
    schedule = beacon_schedule_for_network(MAINNET, MAINNET_GENESIS)
    # drand mainnet has the same period as Filecoin: round = epoch + 95845.
    assert max_beacon_round_for_epoch(schedule, 3811601, MAINNET_GENESIS, BLOCK_DELAY) == 3907446
    assert schedule.network_for_epoch(3855479) is DRAND_MAINNET
    assert schedule.network_for_epoch(3855480) is DRAND_QUICKNET
    assert schedule.network_for_epoch(50999) is DRAND_INCENTINET


# -- block rules on real rounds --------------------------------------------------------------------------

QUICKNET_ONLY = BeaconSchedule(((0, DRAND_QUICKNET),))
MAINNET_SCHEDULE = beacon_schedule_for_network(MAINNET, MAINNET_GENESIS)


def validate_mainnet(epoch: int, parent: int, entries: list[BeaconEntry], previous: BeaconEntry) -> None:
    validate_block_beacon_entries(
        MAINNET_SCHEDULE, MAINNET_GENESIS, BLOCK_DELAY, epoch, parent, entries, previous
    )


def test_quicknet_block_entries_validate() -> None:
    previous = quicknet_entry(30662982)
    validate_mainnet(6216199, 6216198, [quicknet_entry(30662992)], previous)
    # After a null round: one round per epoch since the parent.
    validate_mainnet(6216200, 6216198, [quicknet_entry(30662992), quicknet_entry(30663002)], previous)


def test_invalid_quicknet_block_wrong_last_round() -> None:
    with pytest.raises(BeaconError, match=r"last beacon entry.*round 30662992"):
        validate_mainnet(6216199, 6216198, [quicknet_entry(30662990)], quicknet_entry(30662982))


def test_invalid_quicknet_block_missing_epoch_round() -> None:
    with pytest.raises(BeaconError, match=r"entry 0 .*round 30662992"):
        validate_mainnet(6216200, 6216198, [quicknet_entry(30663002)], quicknet_entry(30662982))


def test_invalid_block_without_entries() -> None:
    with pytest.raises(BeaconError, match="needs beacon entries"):
        validate_mainnet(6216199, 6216198, [], quicknet_entry(30662982))


def test_block_with_round_already_on_chain_needs_none() -> None:
    validate_mainnet(6216199, 6216198, [], quicknet_entry(30662992))
    with pytest.raises(BeaconError, match="needs no beacon entry"):
        validate_mainnet(6216199, 6216198, [quicknet_entry(30662992)], quicknet_entry(30662992))


def test_invalid_quicknet_block_bad_signature() -> None:
    entry = quicknet_entry(30662992)
    with pytest.raises(BeaconError, match="round 30662992"):
        validate_mainnet(6216199, 6216198, [replace(entry, data=flip_bit(entry.data, 9))], entry)


def test_chained_block_entries_validate() -> None:
    validate_mainnet(3811602, 3811601, [mainnet_entry(3907447)], mainnet_entry(3907446))
    validate_mainnet(
        3811602, 3811600, [mainnet_entry(3907446), mainnet_entry(3907447)], mainnet_entry(3907445)
    )


def test_invalid_chained_block_not_consecutive() -> None:
    with pytest.raises(BeaconError, match="consecutive"):
        validate_mainnet(3811602, 3811600, [mainnet_entry(3907447)], mainnet_entry(3907445))


def test_invalid_chained_block_wrong_previous() -> None:
    wrong = replace(mainnet_entry(3907446), data=bytes.fromhex(MAINNET_ROUNDS[3907445]))
    with pytest.raises(BeaconError, match="round 3907447"):
        validate_mainnet(3811602, 3811601, [mainnet_entry(3907447)], wrong)


def test_chained_block_after_genesis_entry_is_not_checked() -> None:
    # Lotus skips a chained network's entries that follow the genesis entry (round 0).
    validate_mainnet(3811602, 3811601, [mainnet_entry(3907447)], BeaconEntry(0, b""))


# A schedule whose switch to drand mainnet falls where the real rounds are.
FORK_SCHEDULE = BeaconSchedule(((0, DRAND_QUICKNET), (3811601, DRAND_MAINNET)))


def test_switch_to_chained_network_needs_two_entries() -> None:
    entries = [mainnet_entry(3907445), mainnet_entry(3907446)]
    validate_block_beacon_entries(
        FORK_SCHEDULE, MAINNET_GENESIS, BLOCK_DELAY, 3811601, 3811600, entries, quicknet_entry(1)
    )
    # Lotus checks only that the second signs the first: the first's round is not looked at.
    validate_block_beacon_entries(
        FORK_SCHEDULE,
        MAINNET_GENESIS,
        BLOCK_DELAY,
        3811601,
        3811600,
        [replace(entries[0], round=7), entries[1]],
        quicknet_entry(1),
    )
    with pytest.raises(BeaconError, match="two beacon entries"):
        validate_block_beacon_entries(
            FORK_SCHEDULE, MAINNET_GENESIS, BLOCK_DELAY, 3811601, 3811600, entries[1:], quicknet_entry(1)
        )
    with pytest.raises(BeaconError, match="round 3907446"):
        validate_block_beacon_entries(
            FORK_SCHEDULE,
            MAINNET_GENESIS,
            BLOCK_DELAY,
            3811601,
            3811600,
            [mainnet_entry(3907444 + 3), mainnet_entry(3907446)],
            quicknet_entry(1),
        )


def test_invalid_block_epochs() -> None:
    with pytest.raises(InvalidInput, match="parent"):
        validate_mainnet(6216198, 6216198, [], quicknet_entry(30662982))


# -- entries for a new block -----------------------------------------------------------------------------


def dict_source(rounds: dict[int, str], network: DrandNetwork) -> BeaconSource:
    def source(asked: DrandNetwork, round: int) -> BeaconEntry:
        assert asked is network
        return BeaconEntry(round, bytes.fromhex(rounds[round]))

    return source


def test_entries_for_block_quicknet() -> None:
    source = dict_source(QUICKNET_ROUNDS, DRAND_QUICKNET)
    previous = quicknet_entry(30662982)
    entries = beacon_entries_for_block(
        source, MAINNET_SCHEDULE, MAINNET_GENESIS, BLOCK_DELAY, 6216200, 6216198, previous
    )
    assert [e.round for e in entries] == [30662992, 30663002]
    validate_mainnet(6216200, 6216198, list(entries), previous)
    assert (
        beacon_entries_for_block(
            source, MAINNET_SCHEDULE, MAINNET_GENESIS, BLOCK_DELAY, 6216199, 6216198, quicknet_entry(30662992)
        )
        == ()
    )


def test_entries_for_block_at_chained_switch() -> None:
    source = dict_source(MAINNET_ROUNDS, DRAND_MAINNET)
    entries = beacon_entries_for_block(
        source, FORK_SCHEDULE, MAINNET_GENESIS, BLOCK_DELAY, 3811601, 3811600, quicknet_entry(1)
    )
    assert entries == (mainnet_entry(3907445), mainnet_entry(3907446))


def test_invalid_source_gives_another_round() -> None:
    def source(network: DrandNetwork, round: int) -> BeaconEntry:
        return quicknet_entry(30662990)

    with pytest.raises(BeaconError, match="gave round 30662990"):
        beacon_entries_for_block(
            source, QUICKNET_ONLY, MAINNET_GENESIS, BLOCK_DELAY, 6216199, 6216198, quicknet_entry(30662982)
        )


# -- the local devnet beacon -----------------------------------------------------------------------------

DEVNET_GENESIS = 1_700_000_000


def test_devnet_params_hold_the_well_known_beacon_key() -> None:
    assert DEVNET.local_beacon_public_key == local_beacon_public_key(DEVNET_BEACON_SECRET)


def test_every_profile_resolves_its_schedule() -> None:
    for params in PROFILES.values():
        beacon_schedule_for_network(params, DEVNET_GENESIS)
    assert beacon_schedule_for_network(CALIBNET, DEVNET_GENESIS).network_for_epoch(1428094) is DRAND_QUICKNET
    with pytest.raises(InvalidInput, match="unknown beacon"):
        beacon_schedule_for_network(replace(DEVNET, beacon_schedule=((0, "nope"),)), DEVNET_GENESIS)
    with pytest.raises(InvalidInput, match="no public key"):
        beacon_schedule_for_network(replace(DEVNET, local_beacon_public_key=b""), DEVNET_GENESIS)


def test_local_beacon_entries_verify_and_are_deterministic() -> None:
    beacon = LocalBeacon(DEVNET_BEACON_SECRET, DEVNET_GENESIS, 1)
    assert beacon.network.scheme is DrandScheme.BLS_UNCHAINED_G1_RFC9380
    entry = beacon.entry(42)
    assert entry == LocalBeacon(DEVNET_BEACON_SECRET, DEVNET_GENESIS, 1).entry(42)
    assert len(entry.data) == 48
    verify_entry(beacon.network, entry, None)
    bad_signature_or_malformed(beacon.network, replace(entry, round=43), None)
    bad_signature_or_malformed(beacon.network, replace(entry, data=flip_bit(entry.data, 30)), None)
    other = LocalBeacon((5).to_bytes(32, "little"), DEVNET_GENESIS, 1)
    bad_signature_or_malformed(beacon.network, other.entry(42), None)


def test_invalid_local_beacon_secret() -> None:
    with pytest.raises(InvalidInput):
        LocalBeacon(b"\x00" * 32, DEVNET_GENESIS, 1)
    with pytest.raises(InvalidInput):
        LocalBeacon(b"\x01" * 31, DEVNET_GENESIS, 1)


def test_devnet_chain_of_blocks_with_local_beacon() -> None:
    schedule = beacon_schedule_for_network(DEVNET, DEVNET_GENESIS)
    delay = DEVNET.block_delay_seconds
    beacon = LocalBeacon(DEVNET_BEACON_SECRET, DEVNET_GENESIS, delay)
    assert schedule.network_for_epoch(0) == beacon.network
    previous = BeaconEntry(0, b"\x00" * 32)  # a genesis block's entry
    parent = 0
    for epoch in (1, 2, 5, 6):  # 3 and 4 are null rounds
        entries = beacon_entries_for_block(
            beacon.source, schedule, DEVNET_GENESIS, delay, epoch, parent, previous
        )
        # One-second rounds from the chain's genesis: a block's last round is its epoch.
        assert [e.round for e in entries] == list(range(parent + 1, epoch + 1))
        validate_block_beacon_entries(schedule, DEVNET_GENESIS, delay, epoch, parent, entries, previous)
        previous, parent = entries[-1], epoch
    with pytest.raises(BeaconError, match="cannot serve"):
        beacon.source(DRAND_QUICKNET, 1)
