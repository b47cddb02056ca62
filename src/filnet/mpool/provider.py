"""What the message pool needs from the chain: a narrow protocol the node implements (Lotus ``Provider``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from filnet.chain.block import BlockHeader
from filnet.chain.message import Message, SignedMessage
from filnet.chain.tipset import TipSet, TipSetKey
from filnet.core.address import Address
from filnet.core.token import TokenAmount


@dataclass(frozen=True, slots=True)
class ActorInfo:
    """The part of an actor the pool reads: its next nonce and its balance."""

    nonce: int
    balance: TokenAmount


class MpoolChain(Protocol):
    """The chain as the pool sees it; every tipset passed in is one the node knows."""

    def head(self) -> TipSet:
        """The heaviest tipset now."""
        ...

    def get_actor(self, address: Address, ts: TipSet) -> ActorInfo | None:
        """The actor at ``ts``'s parent state (before ``ts``'s messages), or None if it does not exist."""
        ...

    def resolve_to_key(self, address: Address, ts: TipSet) -> Address | None:
        """The key (f1/f3/f4) address of an ID address at ``ts``, None if it has none."""
        ...

    def compute_base_fee(self, ts: TipSet) -> TokenAmount:
        """The base fee of a block mined on top of ``ts`` (Lotus ``ChainComputeBaseFee``)."""
        ...

    def messages_for_block(self, block: BlockHeader) -> tuple[Sequence[Message], Sequence[SignedMessage]]:
        """A block's BLS messages (unsigned) and its secp256k1/delegated signed messages."""
        ...

    def load_tipset(self, key: TipSetKey) -> TipSet:
        """The tipset of ``key``; raises :class:`filnet.errors.NotFound` if unknown."""
        ...
