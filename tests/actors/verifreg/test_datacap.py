"""Receiving DataCap: allocations and paid claim extensions (builtin-actors verifreg_actor_test.rs
``datacap``)."""

from __future__ import annotations

from dataclasses import replace

from filnet.actors import manifest
from filnet.actors.batch_return import BatchReturn
from filnet.actors.datacap.types import FRC46_TOKEN_TYPE, UniversalReceiverParams
from filnet.actors.singletons import DATACAP_TOKEN_ACTOR, STORAGE_MARKET_ACTOR
from filnet.actors.verifreg.methods import Method
from filnet.actors.verifreg.types import AllocationRequest
from filnet.core.address import Address
from filnet.core.token import TokenAmount
from filnet.core.types import ActorID, ChainEpoch
from filnet.ipld import dagcbor
from filnet.params.network import EPOCHS_IN_YEAR
from filnet.vm.exit_codes import ExitCode
from tests.actors.verifreg.harness import (
    MAX_EXPIRATION,
    MAX_TERM,
    MIN_SIZE,
    MIN_TERM,
    Harness,
    aborts,
    add_miner,
    alloc_from_req,
    assert_allocation,
    assert_claim,
    expect_abort,
    make_alloc_req,
    make_claim,
    make_extension_req,
    make_receiver_hook_token_payload,
    new_harness,
    replace_state,
    state,
    tokens,
)

CLIENT1 = ActorID(101)
CLIENT2 = ActorID(102)
PROVIDER1 = ActorID(301)
PROVIDER2 = ActorID(302)
SIZE = MIN_SIZE
BATCH_EMPTY = BatchReturn.empty()


def _with_miners() -> Harness:
    h = new_harness()
    add_miner(h.rt, PROVIDER1)
    add_miner(h.rt, PROVIDER2)
    return h


def test_receive_tokens_make_allocs() -> None:
    h = _with_miners()
    rt = h.rt
    reqs = [make_alloc_req(rt, PROVIDER1, SIZE), make_alloc_req(rt, PROVIDER2, SIZE * 2)]
    payload = make_receiver_hook_token_payload(CLIENT1, reqs, [], SIZE * 3)
    h.receive_tokens(payload, BatchReturn.ok(2), BATCH_EMPTY, [1, 2], 0)
    assert_allocation(rt, CLIENT1, 1, alloc_from_req(CLIENT1, reqs[0]))
    assert_allocation(rt, CLIENT1, 2, alloc_from_req(CLIENT1, reqs[1]))
    assert state(rt).next_allocation_id == 3

    # Another client's.
    reqs = [make_alloc_req(rt, PROVIDER1, SIZE)]
    payload = make_receiver_hook_token_payload(CLIENT2, reqs, [], SIZE)
    h.receive_tokens(payload, BatchReturn.ok(1), BATCH_EMPTY, [3], 0)
    assert_allocation(rt, CLIENT2, 3, alloc_from_req(CLIENT2, reqs[0]))
    assert state(rt).next_allocation_id == 4

    # Identical requests make distinct allocations.
    reqs = [make_alloc_req(rt, PROVIDER1, SIZE), make_alloc_req(rt, PROVIDER1, SIZE)]
    assert reqs[0] == reqs[1]
    payload = make_receiver_hook_token_payload(CLIENT1, reqs, [], SIZE * 2)
    h.receive_tokens(payload, BatchReturn.ok(2), BATCH_EMPTY, [4, 5], 0)
    assert_allocation(rt, CLIENT1, 4, alloc_from_req(CLIENT1, reqs[0]))
    assert_allocation(rt, CLIENT1, 5, alloc_from_req(CLIENT1, reqs[1]))
    h.check_state()


def test_receive_tokens_extend_claims() -> None:
    h = new_harness()
    term_max = MIN_TERM + 100
    h.rt.epoch = ChainEpoch(100)
    claim1 = make_claim("1", CLIENT1, PROVIDER1, SIZE, MIN_TERM, term_max, 100, 1234)
    claim2 = make_claim("2", CLIENT2, PROVIDER2, SIZE * 2, MIN_TERM, term_max, 100, 1234)
    cid1 = h.create_claim(claim1)
    cid2 = h.create_claim(claim2)
    reqs = [
        make_extension_req(PROVIDER1, cid1, term_max + 1000),
        make_extension_req(PROVIDER2, cid2, term_max + 2000),
    ]
    # CLIENT1 pays to extend both claims, its own and CLIENT2's.
    payload = make_receiver_hook_token_payload(CLIENT1, [], reqs, SIZE * 3)
    h.receive_tokens(payload, BATCH_EMPTY, BatchReturn.ok(2), [], SIZE * 3)
    assert_claim(h.rt, PROVIDER1, cid1, replace(claim1, term_max=ChainEpoch(term_max + 1000)))
    assert_claim(h.rt, PROVIDER2, cid2, replace(claim2, term_max=ChainEpoch(term_max + 2000)))
    h.check_state()


def test_receive_tokens_make_alloc_and_extend_claims() -> None:
    h = _with_miners()
    rt = h.rt
    alloc_reqs = [make_alloc_req(rt, PROVIDER1, SIZE), make_alloc_req(rt, PROVIDER2, SIZE * 2)]
    term_max = MIN_TERM + 100
    rt.epoch = ChainEpoch(100)
    claim1 = make_claim("1", CLIENT1, PROVIDER1, SIZE, MIN_TERM, term_max, 100, 1234)
    claim2 = make_claim("2", CLIENT2, PROVIDER2, SIZE * 2, MIN_TERM, term_max, 100, 1234)
    cid1 = h.create_claim(claim1)
    cid2 = h.create_claim(claim2)
    ext_reqs = [
        make_extension_req(PROVIDER1, cid1, term_max + 1000),
        make_extension_req(PROVIDER2, cid2, term_max + 2000),
    ]
    payload = make_receiver_hook_token_payload(CLIENT1, alloc_reqs, ext_reqs, SIZE * 6)
    h.receive_tokens(payload, BatchReturn.ok(2), BatchReturn.ok(2), [3, 4], claim1.size + claim2.size)
    assert_allocation(rt, CLIENT1, 3, alloc_from_req(CLIENT1, alloc_reqs[0]))
    assert_allocation(rt, CLIENT1, 4, alloc_from_req(CLIENT1, alloc_reqs[1]))
    assert_claim(rt, PROVIDER1, cid1, replace(claim1, term_max=ChainEpoch(term_max + 1000)))
    assert_claim(rt, PROVIDER2, cid2, replace(claim2, term_max=ChainEpoch(term_max + 2000)))
    assert state(rt).next_allocation_id == 5
    h.check_state()


def _hook_params(h: Harness, to: ActorID | None = None, token_type: int = FRC46_TOKEN_TYPE) -> bytes:
    payload = make_receiver_hook_token_payload(CLIENT1, [make_alloc_req(h.rt, PROVIDER1, SIZE)], [], SIZE)
    if to is not None:
        payload = replace(payload, to=to)
    return UniversalReceiverParams(token_type, payload.encode()).encode()


def test_receive_requires_datacap_caller() -> None:
    h = _with_miners()
    h.rt.set_caller(STORAGE_MARKET_ACTOR, manifest.MARKET)
    aborts(ExitCode.USR_FORBIDDEN, h.rt, Method.UNIVERSAL_RECEIVER_HOOK, _hook_params(h), "caller")
    h.check_state()


def test_receive_requires_to_self() -> None:
    h = _with_miners()
    h.rt.set_caller(DATACAP_TOKEN_ACTOR, manifest.DATACAP)
    params = _hook_params(h, to=PROVIDER1)
    aborts(
        ExitCode.USR_ILLEGAL_ARGUMENT,
        h.rt,
        Method.UNIVERSAL_RECEIVER_HOOK,
        params,
        "token receiver expected to",
    )
    h.check_state()


def test_receive_requires_frc46_token_type() -> None:
    h = _with_miners()
    h.rt.set_caller(DATACAP_TOKEN_ACTOR, manifest.DATACAP)
    params = _hook_params(h, token_type=FRC46_TOKEN_TYPE + 1)
    aborts(ExitCode.USR_ILLEGAL_ARGUMENT, h.rt, Method.UNIVERSAL_RECEIVER_HOOK, params, "invalid token type")
    h.check_state()


def test_receive_rejects_malformed_payload_and_operator_data() -> None:
    h = _with_miners()
    h.rt.set_caller(DATACAP_TOKEN_ACTOR, manifest.DATACAP)
    params = UniversalReceiverParams(FRC46_TOKEN_TYPE, dagcbor.encode([1, 2])).encode()
    aborts(ExitCode.USR_SERIALIZATION, h.rt, Method.UNIVERSAL_RECEIVER_HOOK, params, "receiver hook payload")
    payload = replace(make_receiver_hook_token_payload(CLIENT1, [], [], 0), operator_data=b"\xff")
    params = UniversalReceiverParams(FRC46_TOKEN_TYPE, payload.encode()).encode()
    aborts(ExitCode.USR_SERIALIZATION, h.rt, Method.UNIVERSAL_RECEIVER_HOOK, params, "allocation requests")
    aborts(ExitCode.USR_SERIALIZATION, h.rt, Method.UNIVERSAL_RECEIVER_HOOK, dagcbor.encode("x"))
    h.check_state()


def test_receive_alloc_requires_miner_actor() -> None:
    h = new_harness()
    h.rt.add_actor(Address.new_id(PROVIDER1), manifest.ACCOUNT)
    payload = make_receiver_hook_token_payload(CLIENT1, [make_alloc_req(h.rt, PROVIDER1, SIZE)], [], SIZE)
    with expect_abort(
        h.rt, ExitCode.USR_ILLEGAL_ARGUMENT, f"allocation provider {PROVIDER1} must be a miner"
    ):
        h.receive_tokens(payload, BatchReturn.ok(1), BATCH_EMPTY, [1], 0)
    # Nor may the provider be an address with no actor.
    payload = make_receiver_hook_token_payload(CLIENT1, [make_alloc_req(h.rt, ActorID(999), SIZE)], [], SIZE)
    with expect_abort(h.rt, ExitCode.USR_ILLEGAL_ARGUMENT, "no code CID for provider 999"):
        h.receive_tokens(payload, BatchReturn.ok(1), BATCH_EMPTY, [1], 0)
    h.check_state()


def test_receive_invalid_alloc_reqs() -> None:
    h = _with_miners()
    rt = h.rt

    def rejected(reqs: list[AllocationRequest], received: int, message: str) -> None:
        payload = make_receiver_hook_token_payload(CLIENT1, reqs, [], received)
        with expect_abort(rt, ExitCode.USR_ILLEGAL_ARGUMENT, message):
            h.receive_tokens(payload, BATCH_EMPTY, BATCH_EMPTY, [], 0)

    base = make_alloc_req(rt, PROVIDER1, SIZE)
    rejected(
        [make_alloc_req(rt, PROVIDER1, SIZE - 1)], SIZE - 1, "allocation size 1048575 below minimum 1048576"
    )
    rejected(
        [replace(base, term_min=ChainEpoch(MIN_TERM - 1))],
        SIZE,
        "allocation term min 518399 below limit 518400",
    )
    rejected(
        [replace(base, term_max=ChainEpoch(MAX_TERM + 1))],
        SIZE,
        "allocation term max 5259486 above limit 5259485",
    )
    rejected(
        [replace(base, term_min=ChainEpoch(2 * EPOCHS_IN_YEAR + 1), term_max=ChainEpoch(2 * EPOCHS_IN_YEAR))],
        SIZE,
        "allocation term min 2103795 exceeds term max 2103794",
    )
    rejected(
        [replace(base, expiration=ChainEpoch(rt.epoch + MAX_EXPIRATION + 1))],
        SIZE,
        "allocation expiration 172801 exceeds maximum 172800",
    )
    rt.epoch = ChainEpoch(10)
    rejected(
        [replace(base, expiration=ChainEpoch(9))],
        SIZE,
        "allocation expiration epoch 9 has passed current epoch 10",
    )
    rt.epoch = ChainEpoch(0)
    # The DataCap received must match the sizes requested exactly.
    two = [make_alloc_req(rt, PROVIDER1, SIZE), make_alloc_req(rt, PROVIDER2, SIZE)]
    rejected(two, SIZE * 2 + 1, "total allocation size 2097152 must match data cap amount received 2097153")
    # One bad request fails them all.
    rejected(
        [make_alloc_req(rt, PROVIDER1, SIZE), make_alloc_req(rt, PROVIDER2, SIZE - 1)],
        SIZE * 2 - 1,
        "allocation size 1048575 below minimum 1048576",
    )
    # A fraction of a DataCap byte is not enough to make up the difference.
    payload = make_receiver_hook_token_payload(CLIENT1, two, [], 0)
    payload = replace(payload, amount=tokens(SIZE * 2) - tokens(1) + TokenAmount(1))
    with expect_abort(rt, ExitCode.USR_ILLEGAL_ARGUMENT, "must match data cap amount received 2097151"):
        h.receive_tokens(payload, BATCH_EMPTY, BATCH_EMPTY, [], 0)
    assert state(rt).next_allocation_id == 1
    h.check_state()


def test_receive_invalid_extension_reqs() -> None:
    h = new_harness()
    rt = h.rt
    term_max = MIN_TERM + 100
    term_start = 100
    claim1 = make_claim("1", CLIENT1, PROVIDER1, SIZE, MIN_TERM, term_max, term_start, 1234)
    cid1 = h.create_claim(claim1)
    st = state(rt)

    def extend(new_term: int) -> None:
        payload = make_receiver_hook_token_payload(
            CLIENT1, [], [make_extension_req(PROVIDER1, cid1, new_term)], SIZE
        )
        h.receive_tokens(payload, BATCH_EMPTY, BatchReturn.ok(1), [], SIZE)

    # Too long an extension.
    replace_state(rt, st)
    rt.epoch = ChainEpoch(term_start + 1000)
    max_allowed_term = rt.epoch - term_start + MAX_TERM
    with expect_abort(
        rt,
        ExitCode.USR_ILLEGAL_ARGUMENT,
        "term_max 5260486 for claim 1 exceeds maximum 5260485 at current epoch 1100",
    ):
        extend(max_allowed_term + 1)
    # Exactly at the limit is allowed.
    extend(max_allowed_term)
    h.check_state()

    # An expired claim cannot be revived.
    replace_state(rt, st)
    rt.epoch = ChainEpoch(term_start + term_max + 1)
    with expect_abort(rt, ExitCode.USR_FORBIDDEN, "claim 1 expired at 518600, current epoch 518601"):
        extend(rt.epoch - term_start + MIN_TERM)
    # At its expiration epoch it may still get the full maximum term.
    rt.epoch = ChainEpoch(term_start + term_max)
    extend(rt.epoch - term_start + MAX_TERM)
    h.check_state()

    # No zero or negative extensions.
    replace_state(rt, st)
    rt.epoch = ChainEpoch(term_start + 100)
    with expect_abort(
        rt,
        ExitCode.USR_ILLEGAL_ARGUMENT,
        "term_max 518500 for claim 1 is not larger than existing term max 518500",
    ):
        extend(term_max)
    with expect_abort(
        rt,
        ExitCode.USR_ILLEGAL_ARGUMENT,
        "term_max 518499 for claim 1 is not larger than existing term max 518500",
    ):
        extend(term_max - 1)
    # One epoch more is allowed.
    extend(term_max + 1)
    h.check_state()

    # The claim must exist under that provider.
    payload = make_receiver_hook_token_payload(
        CLIENT1, [], [make_extension_req(PROVIDER2, cid1, term_max + 2)], SIZE
    )
    with expect_abort(rt, ExitCode.USR_NOT_FOUND, f"no claim {cid1} for provider {PROVIDER2}"):
        h.receive_tokens(payload, BATCH_EMPTY, BATCH_EMPTY, [], 0)
    h.check_state()
