"""Gas estimation for outgoing messages (Lotus ``node/impl/full/gas.go`` and ``node/impl/gasutils``).

The fee cap covers the base fee rising at its maximum rate for a number of blocks; the premium is a
weighted median of recent blocks' premiums with a floor and a little noise (so that many senders do not
all offer the same price); the gas limit is what applying the message on the current state uses, times
an overestimation factor. :meth:`GasEstimator.push_message` is the core of ``MpoolPushMessage``.
"""

from __future__ import annotations

import math
import random
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from filnet.chain.message import Message, SignedMessage
from filnet.chain.tipset import TipSet, TipSetKey
from filnet.consensus.weight import BASE_FEE_MAX_CHANGE_DENOM
from filnet.core.address import Protocol
from filnet.core.token import TokenAmount
from filnet.core.types import Nonce
from filnet.errors import InvalidInput
from filnet.ipld.cid import CID
from filnet.mpool import errors as E
from filnet.mpool.config import DEFAULT_MAX_FEE
from filnet.mpool.pool import MessagePool, required_funds
from filnet.mpool.provider import MpoolChain
from filnet.vm.exit_codes import ExitCode

#: Floor of an estimated premium, in attoFIL (Lotus ``MinGasPremium``).
MIN_GAS_PREMIUM: int = 100_000
#: Most blocks back the premium estimate looks (Lotus ``MaxGasHistory``).
MAX_GAS_HISTORY: int = 128
#: Blocks a message should be included within, for the premium and the fee cap estimates.
DEFAULT_PREMIUM_BLOCKS: int = 10
DEFAULT_FEE_CAP_BLOCKS: int = 20
_GAS_STATS_CACHE_SIZE = 50


@dataclass(frozen=True, slots=True)
class CallOutcome:
    """The receipt of applying a message off-chain: exit code, gas used, and the VM's error text."""

    exit_code: int
    gas_used: int
    error: str = ""


#: Apply ``prior`` (the sender's pending messages) then the message on ``ts``'s state with the message's
#: nonce set to the sender's nonce after them (Lotus ``StateManager.CallWithGas``).
CallWithGas = Callable[[Message, Sequence[SignedMessage], TipSet], CallOutcome]
#: Sign a message with its sender's key (the wallet).
Signer = Callable[[Message], SignedMessage]


@dataclass(frozen=True, slots=True)
class GasMeta:
    """One included message's premium and gas limit."""

    premium: int
    limit: int


def median_gas_premium(prices: Sequence[GasMeta], blocks: int, block_gas_target: int) -> TokenAmount:
    """The premium at 52.5% of ``blocks`` blocks' target gas, highest premiums first (Lotus)."""
    ordered = sorted(prices, key=lambda p: p.premium, reverse=True)
    at = block_gas_target * blocks // 2 + block_gas_target * blocks // 40
    prev1 = prev2 = 0
    for price in ordered:
        prev1, prev2 = price.premium, prev1
        at -= price.limit
        if at < 0:
            break
    # Average the premium where the mark falls with the one before it, when there is one.
    return TokenAmount((prev1 + prev2) // 2 if prev2 != 0 else prev1)


def cap_gas_fee(
    message: Message,
    max_fee: TokenAmount | None,
    default_max_fee: TokenAmount,
    maximize_fee_cap: bool = False,
) -> Message:
    """Lower the fee cap so fee cap × gas limit stays within ``max_fee``; premium at most the cap (Lotus)."""
    fee = max_fee if max_fee is not None and max_fee.atto != 0 else default_max_fee
    fee_cap = message.gas_fee_cap
    if message.gas_limit > 0 and (maximize_fee_cap or fee_cap.atto * message.gas_limit > fee.atto):
        fee_cap = TokenAmount(fee.atto // message.gas_limit)
    return replace(message, gas_fee_cap=fee_cap, gas_premium=min(fee_cap, message.gas_premium))


class GasEstimator:
    """Lotus's ``GasEstimate*`` methods over the pool's chain view."""

    def __init__(
        self,
        pool: MessagePool,
        call: CallWithGas,
        *,
        default_max_fee: TokenAmount = DEFAULT_MAX_FEE,
        rng: random.Random | None = None,
    ) -> None:
        """Estimate with ``call`` applying messages, ``pool`` giving pending messages and chain access."""
        self.pool = pool
        self.chain: MpoolChain = pool.chain
        self.call = call
        self.default_max_fee = default_max_fee
        self._rng = rng or random.Random()
        self._stats: OrderedDict[TipSetKey, list[GasMeta]] = OrderedDict()

    def estimate_fee_cap(
        self, message: Message, max_queue_blocks: int, ts: TipSet | None = None
    ) -> TokenAmount:
        """The base fee after ``max_queue_blocks`` maximal rises, plus the message's premium (Lotus)."""
        ts = ts or self.chain.head()
        parent_base_fee = ts.blocks[0].parent_base_fee.atto
        increase = math.pow(1.0 + 1.0 / BASE_FEE_MAX_CHANGE_DENOM, max_queue_blocks)
        # Lotus scales the float factor by 2^8 and truncates, to multiply exactly on big integers.
        fee = parent_base_fee * int(increase * (1 << 8)) // (1 << 8)
        return TokenAmount(fee + message.gas_premium.atto)

    def estimate_gas_premium(self, blocks_to_include: int, ts: TipSet | None = None) -> TokenAmount:
        """A premium likely to get a message in within ``blocks_to_include`` epochs (Lotus)."""
        n = min(max(blocks_to_include, 1), MAX_GAS_HISTORY)
        cur = ts or self.chain.head()
        prices: list[GasMeta] = []
        blocks = 0
        for _ in range(n * 2):
            if cur.height == 0:
                break
            parent = self.chain.load_tipset(cur.parents)
            blocks += len(parent.blocks)
            prices.extend(self._gas_stats(parent))
            cur = parent
        target = self.pool.params.block_gas_limit // 2
        premium = median_gas_premium(prices, blocks, target).atto
        if premium < MIN_GAS_PREMIUM:
            premium = {1: 2 * MIN_GAS_PREMIUM, 2: MIN_GAS_PREMIUM * 3 // 2}.get(n, MIN_GAS_PREMIUM)
        # About 0.5% of Gaussian noise, applied in 32-bit fixed point as Lotus does.
        noise = 1 + self._rng.gauss(0.0, 1.0) * 0.005
        premium = premium * (int(noise * (1 << 32)) + 1) // (1 << 32)
        return TokenAmount(premium)

    def _gas_stats(self, ts: TipSet) -> list[GasMeta]:
        cached = self._stats.get(ts.key)
        if cached is not None:
            return cached
        seen: set[CID] = set()
        out: list[GasMeta] = []
        for block in ts.blocks:
            bls, secp = self.chain.messages_for_block(block)
            for message in [*bls, *(s.message for s in secp)]:
                if message.cid not in seen:
                    seen.add(message.cid)
                    out.append(GasMeta(message.gas_premium.atto, message.gas_limit))
        self._stats[ts.key] = out
        if len(self._stats) > _GAS_STATS_CACHE_SIZE:
            self._stats.popitem(last=False)
        return out

    def estimate_gas_limit(self, message: Message, ts: TipSet | None = None) -> int:
        """The gas the message uses after the sender's pending messages (Lotus ``GasEstimateGasLimit``)."""
        ts = ts or self.pool.head
        trial = replace(
            message,
            gas_limit=self.pool.params.block_gas_limit,
            gas_fee_cap=TokenAmount(0),
            gas_premium=TokenAmount(0),
        )
        sender = self.pool.resolve_key(message.sender)
        prior: list[SignedMessage] = []
        for pending in self.pool.pending_for(sender):
            if pending.message.nonce == message.nonce:
                break
            prior.append(pending)
        outcome = self.call(trial, prior, ts)
        if outcome.exit_code == ExitCode.SYS_OUT_OF_GAS:
            raise E.ErrOutOfGas(f"gas estimation: message from {message.sender} ran out of gas")
        if outcome.exit_code == ExitCode.SYS_SENDER_INVALID:
            raise E.ErrInvalidSender(
                f"message execution failed (exit=[{outcome.exit_code}], vm error=[{outcome.error}]): "
                "sender validation failed"
            )
        if outcome.exit_code != ExitCode.OK:
            raise E.ErrExecutionReverted(
                f"message execution failed (exit=[{outcome.exit_code}], vm error=[{outcome.error}])",
                outcome.exit_code,
            )
        return outcome.gas_used

    def estimate_message_gas(
        self,
        message: Message,
        max_fee: TokenAmount | None = None,
        *,
        maximize_fee_cap: bool = False,
        ts: TipSet | None = None,
    ) -> Message:
        """Fill a zero gas limit, premium and fee cap, then cap the fee at ``max_fee`` (Lotus)."""
        out = message
        if out.gas_limit == 0:
            used = self.estimate_gas_limit(out, ts)
            limit = int(float(used) * self.pool.config.gas_limit_overestimation)
            # Overestimating must not push the message past what a block can hold.
            out = replace(out, gas_limit=min(limit, self.pool.params.block_gas_limit))
        if out.gas_premium.atto == 0:
            out = replace(out, gas_premium=self.estimate_gas_premium(DEFAULT_PREMIUM_BLOCKS, ts))
        if out.gas_fee_cap.atto == 0:
            out = replace(out, gas_fee_cap=self.estimate_fee_cap(out, DEFAULT_FEE_CAP_BLOCKS, ts))
        return cap_gas_fee(out, max_fee, self.default_max_fee, maximize_fee_cap)

    def push_message(
        self, message: Message, sign: Signer, max_fee: TokenAmount | None = None
    ) -> SignedMessage:
        """Estimate gas, take the next nonce, sign and push a local message (Lotus ``MpoolPushMessage``)."""
        if message.nonce != 0:
            raise InvalidInput(f"MpoolPushMessage expects message nonce to be 0, was {message.nonce}")
        estimated = self.estimate_message_gas(message, max_fee)
        if estimated.gas_premium > estimated.gas_fee_cap:
            raise InvalidInput(
                f"after estimation, GasPremium {estimated.gas_premium.atto} is greater than GasFeeCap "
                f"{estimated.gas_fee_cap.atto}"
            )
        if estimated.sender.protocol is Protocol.ID:
            estimated = replace(estimated, sender=self.pool.resolve_key(estimated.sender))
        actor = self.pool.actor(estimated.sender)
        balance = actor.balance.atto if actor is not None else 0
        needed = estimated.value.atto + required_funds(estimated)
        if balance < needed:
            raise E.ErrNotEnoughFunds(f"mpool push: not enough funds: {balance} < {needed}")
        estimated = replace(estimated, nonce=Nonce(self.pool.get_nonce(estimated.sender)))
        signed = sign(estimated)
        self.pool.push(signed)
        return signed
