"""Block validation under Expected Consensus: a valid block passes, and each of Lotus's rules rejects a block
that breaks it, naming the rule.

Most cases take a valid block, change one field and sign it again with the worker key, so that only the rule
under test can fail.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from filnet.actors.miner.bitfield_queue import put_cbor
from filnet.actors.miner.state import MinerState
from filnet.chain.block import BlockHeader, ElectionProof, Ticket
from filnet.chain.message import Message, SignedMessage
from filnet.consensus import mining
from filnet.consensus.validation import RULES, InvalidBlock, validate_block
from filnet.core.address import Address
from filnet.core.token import TokenAmount
from filnet.core.types import MethodNum, Nonce
from filnet.ipld.blockstore import Blockstore
from filnet.ipld.cid import CID
from filnet.ipld.codecs import DAG_CBOR
from filnet.params.network import NetworkParams
from filnet.proofs.onchain import PoStProof
from filnet.vm.state_tree import StateTree
from tests.consensus.chain_fixture import (
    BLS_SENDER,
    MINER,
    OWNER,
    RECEIVER,
    WORKER,
    Block,
    DevChain,
    build_chain,
    message,
)
from tests.vm.harness import make_key

OTHER_CID = CID.compute(DAG_CBOR, b"\xf6")


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> DevChain:
    return build_chain(tmp_path_factory.mktemp("validation"))


@pytest.fixture(scope="module")
def block(dev: DevChain) -> Block:
    """A valid block of epoch 1 with one secp message (the owner's) and one BLS message."""
    return dev.make_block(dev.genesis, 1, [message(OWNER, 0), message(BLS_SENDER, 0)])


def _validate(
    dev: DevChain,
    header: BlockHeader,
    bls_messages: Sequence[Message],
    secp_messages: Sequence[SignedMessage],
    *,
    params: NetworkParams | None = None,
    now: float | None = None,
) -> None:
    validate_block(
        dev.store.blocks,
        dev.chain,
        params or dev.params,
        dev.schedule,
        dev.chain.genesis_timestamp,
        header,
        bls_messages,
        secp_messages,
        now=time.time() if now is None else now,
    )


def _resign(header: BlockHeader, key=WORKER) -> BlockHeader:  # type: ignore[no-untyped-def]
    return replace(header, block_sig=key.sign(header.signing_bytes()))


def _rejects(
    dev: DevChain,
    rule: str,
    header: BlockHeader,
    bls_messages: Sequence[Message],
    secp_messages: Sequence[SignedMessage],
    **kwargs: object,
) -> InvalidBlock:
    assert rule in RULES
    with pytest.raises(InvalidBlock) as caught:
        _validate(dev, header, bls_messages, secp_messages, **kwargs)  # type: ignore[arg-type]
    assert caught.value.rule == rule, str(caught.value)
    assert f"({rule})" in str(caught.value)
    return caught.value


def _edited(block: Block, **changes: object) -> Block:
    header, bls_messages, secp_messages = block
    return _resign(replace(header, **changes)), bls_messages, secp_messages  # type: ignore[arg-type]


def test_a_mined_block_is_valid_and_its_child_too(tmp_path: Path) -> None:
    dev = build_chain(tmp_path)
    header, bls_messages, secp_messages = dev.make_block(
        dev.genesis, 1, [message(OWNER, 0), message(BLS_SENDER, 0)]
    )
    _validate(dev, header, bls_messages, secp_messages)
    dev.chain.accept_block(header)
    head = dev.chain.head()
    # The child names the executed state of epoch 1 (two messages ran), which validation recomputes.
    child, bls2, secp2 = dev.make_block(head, 2, [message(OWNER, 1)])
    assert child.parent_state_root != dev.genesis.parent_state
    _validate(dev, child, bls2, secp2)
    # Its parent state is checked against execution, not against what the header says.
    _rejects(dev, "parent_state_root", *_edited((child, bls2, secp2), parent_state_root=head.parent_state))


def test_every_rule_has_a_case_in_this_module() -> None:
    source = Path(__file__).read_text()
    missing = [rule for rule in RULES if f'_rejects(dev, "{rule}"' not in source]
    assert not missing


def test_invalid_missing_election_proof(dev: DevChain, block: Block) -> None:
    _rejects(dev, "missing_election_proof", *_edited(block, election_proof=None))


def test_invalid_missing_ticket(dev: DevChain, block: Block) -> None:
    _rejects(dev, "missing_ticket", *_edited(block, ticket=None))


def test_invalid_missing_signature(dev: DevChain, block: Block) -> None:
    header, bls_messages, secp_messages = block
    _rejects(dev, "missing_signature", replace(header, block_sig=None), bls_messages, secp_messages)


def test_invalid_missing_bls_aggregate(dev: DevChain, block: Block) -> None:
    _rejects(dev, "missing_bls_aggregate", *_edited(block, bls_aggregate=None))


def test_invalid_miner_not_id(dev: DevChain, block: Block) -> None:
    _rejects(dev, "miner_not_id", *_edited(block, miner=OWNER.address))


def test_invalid_parent_unknown(dev: DevChain, block: Block) -> None:
    _rejects(dev, "parent_unknown", *_edited(block, parents=(OTHER_CID,)))


def test_invalid_height(dev: DevChain, block: Block) -> None:
    _rejects(dev, "height", *_edited(block, height=0))


def test_invalid_timestamp(dev: DevChain, block: Block) -> None:
    header = block[0]
    _rejects(dev, "timestamp", *_edited(block, timestamp=header.timestamp + 1))


def test_invalid_future(dev: DevChain, block: Block) -> None:
    header, bls_messages, secp_messages = block
    error = _rejects(dev, "future", header, bls_messages, secp_messages, now=header.timestamp - 2)
    assert "future" in str(error)
    # One second of clock drift is allowed.
    _validate(dev, header, bls_messages, secp_messages, now=header.timestamp - 1)


def test_invalid_miner_unknown(dev: DevChain, block: Block) -> None:
    _rejects(dev, "miner_unknown", *_edited(block, miner=Address.new_id(1001)))


def test_invalid_parent_weight(dev: DevChain, block: Block) -> None:
    _rejects(dev, "parent_weight", *_edited(block, parent_weight=block[0].parent_weight + 1))


def test_invalid_block_signature(dev: DevChain, block: Block) -> None:
    header, bls_messages, secp_messages = block
    forged = _resign(header, BLS_SENDER)
    error = _rejects(dev, "block_signature", forged, bls_messages, secp_messages)
    assert str(WORKER.address) in str(error)


def test_invalid_not_winner(dev: DevChain, block: Block) -> None:
    election = block[0].election_proof
    assert election is not None
    _rejects(dev, "not_winner", *_edited(block, election_proof=replace(election, win_count=0)))


def _fee_debt(store: Blockstore, root: CID) -> CID:
    tree = StateTree.load(store, root)
    actor = tree.get_actor(MINER)
    assert actor is not None
    state = MinerState.decode(store.get(actor.head))
    head = put_cbor(store, replace(state, fee_debt=TokenAmount(1)).to_ipld())
    tree.set_actor(MINER, replace(actor, head=head))
    return tree.flush()


def test_invalid_miner_ineligible(tmp_path: Path) -> None:
    # A miner with fee debt may not mine (Lotus MinerEligibleToMine); its base info says so.
    dev = build_chain(tmp_path, edit_state=_fee_debt)
    info = dev.base_info(dev.genesis, 1)
    assert info is not None and not info.eligible_for_mining
    assert mining.mine_one(dev.params, info, WORKER.secret, MINER, dev.genesis, 1, dev.sector_dirs) is None
    # A block it makes anyway is refused.
    template = mining.mine_one(
        dev.params,
        replace(info, eligible_for_mining=True),
        WORKER.secret,
        MINER,
        dev.genesis,
        1,
        dev.sector_dirs,
    )
    assert template is not None
    header, bls_messages, secp_messages = mining.create_block(
        dev.store.blocks, dev.chain, dev.params, template, lambda a, d: WORKER.sign(d)
    )
    _rejects(dev, "miner_ineligible", header, bls_messages, secp_messages)


def test_invalid_beacon_entries(dev: DevChain, block: Block) -> None:
    header = block[0]
    assert header.beacon_entries
    last = header.beacon_entries[-1]
    tampered = replace(last, data=bytes([last.data[0] ^ 1]) + last.data[1:])
    _rejects(dev, "beacon_entries", *_edited(block, beacon_entries=(*header.beacon_entries[:-1], tampered)))
    _rejects(dev, "beacon_entries", *_edited(block, beacon_entries=()))


def test_invalid_election_vrf(dev: DevChain, block: Block) -> None:
    header = block[0]
    assert header.election_proof is not None and header.ticket is not None
    # A well-formed VRF proof of the worker, but over the ticket's input.
    election = ElectionProof(header.election_proof.win_count, header.ticket.vrf_proof)
    _rejects(dev, "election_vrf", *_edited(block, election_proof=election))


def test_invalid_win_count(dev: DevChain, block: Block) -> None:
    election = block[0].election_proof
    assert election is not None
    more = replace(election, win_count=election.win_count + 1)
    _rejects(dev, "win_count", *_edited(block, election_proof=more))


def test_invalid_ticket_vrf(dev: DevChain, block: Block) -> None:
    election = block[0].election_proof
    assert election is not None
    _rejects(dev, "ticket_vrf", *_edited(block, ticket=Ticket(election.vrf_proof)))


def test_invalid_winning_post(dev: DevChain, block: Block) -> None:
    header = block[0]
    assert len(header.win_post_proof) == 1
    proof = header.win_post_proof[0]
    data = bytearray(proof.proof_bytes)
    data[-1] ^= 1
    broken = PoStProof(proof.post_proof, bytes(data))
    _rejects(dev, "winning_post", *_edited(block, win_post_proof=(broken,)))
    _rejects(dev, "winning_post", *_edited(block, win_post_proof=()))


def test_invalid_message_count(dev: DevChain, block: Block) -> None:
    _rejects(dev, "message_count", *block, params=replace(dev.params, block_message_limit=1))


def test_invalid_bls_aggregate(dev: DevChain, block: Block) -> None:
    header, bls_messages, secp_messages = block
    assert len(bls_messages) == 1
    wrong = BLS_SENDER.sign(b"something else")
    _rejects(dev, "bls_aggregate", *_edited(block, bls_aggregate=wrong))
    # A BLS message whose sender is no BLS account.
    stray = replace(bls_messages[0], sender=OWNER.address)
    _rejects(dev, "bls_aggregate", header, [stray], secp_messages)


def test_invalid_secp_signature_type(dev: DevChain, block: Block) -> None:
    header, bls_messages, secp_messages = block
    bls_signed = message(BLS_SENDER, 0)
    assert bls_signed.signature.type.name == "BLS"
    _rejects(dev, "secp_signature_type", header, bls_messages, [*secp_messages, bls_signed])


def _unsigned(sender: Address, nonce: int, **changes: object) -> Message:
    m = Message(
        to=RECEIVER.address,
        sender=sender,
        nonce=Nonce(nonce),
        value=TokenAmount(1),
        gas_limit=20_000_000,
        gas_fee_cap=TokenAmount(200_000_000),
        gas_premium=TokenAmount(1_000),
        method=MethodNum(0),
    )
    return replace(m, **changes)  # type: ignore[arg-type]


def _signed(m: Message, key=OWNER) -> SignedMessage:  # type: ignore[no-untyped-def]
    return SignedMessage(m, key.sign(m.signing_bytes()))


def test_invalid_message_gas_limit(dev: DevChain, block: Block) -> None:
    header, bls_messages, _ = block
    big = _signed(_unsigned(OWNER.address, 0, gas_limit=dev.params.block_gas_limit + 1))
    _rejects(dev, "message_gas_limit", header, bls_messages, [big])


def test_invalid_message_syntax(dev: DevChain, block: Block) -> None:
    header, bls_messages, _ = block
    starved = _signed(_unsigned(OWNER.address, 0, gas_limit=1))
    _rejects(dev, "message_syntax", header, bls_messages, [starved])
    premium_over_cap = _signed(_unsigned(OWNER.address, 0, gas_premium=TokenAmount(300_000_000)))
    _rejects(dev, "message_syntax", header, bls_messages, [premium_over_cap])


def test_invalid_block_gas_limit(dev: DevChain, block: Block) -> None:
    header, bls_messages, _ = block
    half = dev.params.block_gas_limit // 2 + 1
    messages = [_signed(_unsigned(OWNER.address, n, gas_limit=half)) for n in range(2)]
    _rejects(dev, "block_gas_limit", header, bls_messages, messages)


def test_invalid_sender_not_account(dev: DevChain, block: Block) -> None:
    header, bls_messages, _ = block
    # The miner actor cannot send; an address the state does not know cannot either.
    from_miner = _signed(_unsigned(MINER, 0))
    error = _rejects(dev, "sender_not_account", header, bls_messages, [from_miner])
    assert "not an account" in str(error)
    stranger = make_key(99)
    unknown = _signed(_unsigned(stranger.address, 0), stranger)
    error = _rejects(dev, "sender_not_account", header, bls_messages, [unknown])
    assert "does not exist" in str(error)


def test_invalid_nonce(dev: DevChain, block: Block) -> None:
    header, bls_messages, _ = block
    _rejects(dev, "nonce", header, bls_messages, [message(OWNER, 1)])
    # Two messages of one sender must have consecutive nonces.
    _rejects(dev, "nonce", header, bls_messages, [message(OWNER, 0), message(OWNER, 0)])


def test_invalid_secp_signature(dev: DevChain, block: Block) -> None:
    header, bls_messages, _ = block
    forged = _signed(_unsigned(OWNER.address, 0), RECEIVER)
    error = _rejects(dev, "secp_signature", header, bls_messages, [forged])
    assert str(OWNER.address) in str(error)


def test_invalid_messages_cid(dev: DevChain, block: Block) -> None:
    header, bls_messages, secp_messages = block
    # Valid messages, but not the ones the header commits to.
    _rejects(dev, "messages_cid", header, bls_messages, [])
    _rejects(dev, "messages_cid", header, [], secp_messages)


def test_invalid_parent_base_fee(dev: DevChain, block: Block) -> None:
    fee = block[0].parent_base_fee
    _rejects(dev, "parent_base_fee", *_edited(block, parent_base_fee=TokenAmount(fee.atto + 1)))


def test_invalid_parent_state_root(dev: DevChain, block: Block) -> None:
    _rejects(dev, "parent_state_root", *_edited(block, parent_state_root=OTHER_CID))


def test_invalid_parent_receipts(dev: DevChain, block: Block) -> None:
    _rejects(dev, "parent_receipts", *_edited(block, parent_message_receipts=OTHER_CID))
