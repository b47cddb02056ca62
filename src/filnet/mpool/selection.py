"""Choosing a block's messages from the pool (Lotus ``chain/messagepool/selection.go``).

Each sender's pending messages form, in nonce order, a sequence split into *chains*: runs whose gas
performance (miner reward per unit of gas, scaled by the block gas limit) does not rise along the run,
later runs being merged into earlier ones whenever they perform at least as well, so a sender's chains
have strictly falling performance. A chain can only be taken after every earlier chain of its sender.

Two strategies, picked by the ticket quality of the block being mined (Lotus ``SelectMessages``):

* *greedy* (quality above 0.84: the block is very likely the first in its epoch): take chains by
  performance while they fit, then trim the first one that did not fit and keep going;
* *optimal*: weigh each chain by the probability that the block position it would land in gets
  included (:func:`block_probabilities`), merge a chain's performance with its unmerged predecessors',
  take chains with their dependencies, trim the rest, then fill leftover space from the remaining
  chains in random order.

Messages of the configured priority senders are selected first, greedily.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache, cmp_to_key

from filnet.chain.message import SignedMessage
from filnet.core.address import Address
from filnet.core.token import TokenAmount
from filnet.crypto.signature import SignatureType
from filnet.mpool.config import CBOR_MAX_LENGTH, MAX_BLOCKS, MIN_GAS
from filnet.mpool.provider import ActorInfo
from filnet.vm.gas import PriceList
from filnet.vm.interpreter.apply import chain_length

#: Ticket quality above which the greedy strategy is used.
GREEDY_TICKET_QUALITY: float = 0.84

PendingMessages = dict[Address, dict[int, SignedMessage]]


def gas_reward(message: SignedMessage, base_fee: TokenAmount) -> int:
    """What including ``message`` earns the miner: its effective premium × gas limit (×3 if negative)."""
    m = message.message
    premium = min(m.gas_fee_cap.atto - base_fee.atto, m.gas_premium.atto)
    reward = premium * m.gas_limit
    # Lotus weighs a loss (fee cap below the base fee: the miner pays the penalty) three times.
    return reward * 3 if reward < 0 else reward


def gas_perf(reward: int, gas_limit: int, block_gas_limit: int) -> float:
    """Reward per unit of gas scaled by the block gas limit, rounded once to a float (as big.Rat.Float64)."""
    return float(Fraction(reward * block_gas_limit, gas_limit))


@dataclass(eq=False)
class MsgChain:
    """A run of one sender's consecutive messages selected or dropped together."""

    msgs: list[SignedMessage]
    gas_reward: int
    gas_limit: int
    gas_perf: float
    sig_type: SignatureType
    eff_perf: float = 0.0
    bp: float = 0.0
    parent_offset: float = 0.0
    valid: bool = True
    merged: bool = False
    next: MsgChain | None = field(default=None, repr=False)
    prev: MsgChain | None = field(default=None, repr=False)

    def before(self, other: MsgChain) -> bool:
        """Whether this chain sorts ahead of ``other`` by gas performance, then reward."""
        return self.gas_perf > other.gas_perf or (
            self.gas_perf == other.gas_perf and self.gas_reward > other.gas_reward
        )

    def before_effective(self, other: MsgChain) -> bool:
        """Whether this chain sorts ahead of ``other`` in optimal selection's effective order."""
        return (
            (self.merged and not other.merged)
            or (self.gas_perf >= 0 > other.gas_perf)
            or self.eff_perf > other.eff_perf
            or (self.eff_perf == other.eff_perf and self.gas_perf > other.gas_perf)
            or (
                self.eff_perf == other.eff_perf
                and self.gas_perf == other.gas_perf
                and self.gas_reward > other.gas_reward
            )
        )

    def trim(self, gas_limit: int, msg_limit: int, base_fee: TokenAmount, block_gas_limit: int) -> None:
        """Drop messages from the end until the chain fits and performs non-negatively."""
        i = len(self.msgs) - 1
        while i >= 0 and (self.gas_limit > gas_limit or self.gas_perf < 0 or i >= msg_limit):
            self.gas_reward -= gas_reward(self.msgs[i], base_fee)
            self.gas_limit -= self.msgs[i].message.gas_limit
            if self.gas_limit > 0:
                self.gas_perf = gas_perf(self.gas_reward, self.gas_limit, block_gas_limit)
                if self.bp != 0:
                    self.set_eff_perf()
            else:
                self.gas_perf = 0.0
                self.eff_perf = 0.0
            i -= 1
        if i < 0:
            self.msgs = []
            self.valid = False
        else:
            self.msgs = self.msgs[: i + 1]
        # The sender's later chains depend on the dropped tail.
        if self.next is not None:
            self.next.invalidate()
            self.next = None

    def invalidate(self) -> None:
        """Mark this chain and every later chain of its sender unusable."""
        chain: MsgChain | None = self
        while chain is not None:
            chain.valid = False
            chain.msgs = []
            following = chain.next
            chain.next = None
            chain = following

    def set_effective_perf(self, bp: float) -> None:
        """Weigh the chain's performance by the probability ``bp`` of its block position."""
        self.bp = bp
        self.set_eff_perf()

    def set_eff_perf(self) -> None:
        """Recompute the effective performance, averaged with the predecessor's by gas when positive."""
        eff = self.gas_perf * self.bp
        if eff > 0 and self.prev is not None:
            with_parent = (eff * self.gas_limit + self.prev.eff_perf * self.prev.gas_limit) / (
                self.gas_limit + self.prev.gas_limit
            )
            self.parent_offset = eff - with_parent
            eff = with_parent
        self.eff_perf = eff

    def set_null_effective_perf(self) -> None:
        """Give a chain beyond every block position no effective value (keeping negative ones negative)."""
        self.eff_perf = self.gas_perf if self.gas_perf < 0 else 0.0


def create_message_chains(
    mset: Mapping[int, SignedMessage],
    actor: ActorInfo | None,
    base_fee: TokenAmount,
    prices: PriceList,
    block_gas_limit: int,
    block_message_limit: int,
) -> list[MsgChain]:
    """Split a sender's messages into chains of falling performance (Lotus ``createMessageChains``)."""
    if actor is None:
        return []
    msgs = sorted(mset.values(), key=lambda m: m.message.nonce)
    cur_nonce = actor.nonce
    balance = actor.balance.atto
    total_gas = 0
    skip = 0
    rewards: list[int] = []
    i = 0
    # Keep the prefix that is executable in order: contiguous nonces, enough gas for inclusion, fitting
    # in a block, and funded by the balance left after the earlier messages.
    while i < len(msgs):
        m = msgs[i].message
        if m.nonce < cur_nonce:
            skip += 1
            i += 1
            continue
        if m.nonce != cur_nonce:
            break
        cur_nonce += 1
        if m.gas_limit < prices.on_chain_message(chain_length(msgs[i])).total:
            break
        total_gas += m.gas_limit
        if total_gas > block_gas_limit:
            break
        required = m.gas_fee_cap.atto * m.gas_limit
        if balance < required:
            break
        balance -= required + m.value.atto
        rewards.append(gas_reward(msgs[i], base_fee))
        i += 1
    if i <= skip:
        return []
    msgs = msgs[skip:i][:block_message_limit]

    chains: list[MsgChain] = []
    current: MsgChain | None = None
    for index, signed in enumerate(msgs):
        if current is not None:
            reward = current.gas_reward + rewards[index]
            limit = current.gas_limit + signed.message.gas_limit
            perf = gas_perf(reward, limit, block_gas_limit)
            if perf >= current.gas_perf:
                current.msgs.append(signed)
                current.gas_reward, current.gas_limit, current.gas_perf = reward, limit, perf
                continue
            chains.append(current)
        current = MsgChain(
            msgs=[signed],
            gas_reward=rewards[index],
            gas_limit=signed.message.gas_limit,
            gas_perf=gas_perf(rewards[index], signed.message.gas_limit, block_gas_limit),
            sig_type=signed.signature.type,
        )
    assert current is not None
    chains.append(current)

    # Merge a chain into its predecessor while it performs at least as well, until performance falls.
    while True:
        merged = 0
        for j in range(len(chains) - 1, 0, -1):
            if chains[j].gas_perf >= chains[j - 1].gas_perf:
                prev = chains[j - 1]
                prev.msgs.extend(chains[j].msgs)
                prev.gas_reward += chains[j].gas_reward
                prev.gas_limit += chains[j].gas_limit
                prev.gas_perf = gas_perf(prev.gas_reward, prev.gas_limit, block_gas_limit)
                chains[j].valid = False
                merged += 1
        if merged == 0:
            break
        chains = [c for c in chains if c.valid]

    for a, b in itertools.pairwise(chains):
        a.next = b
        b.prev = a
    return chains


@dataclass
class SelectedMessages:
    """Messages chosen so far and the room left in the block."""

    gas_limit: int
    message_limit: int
    msgs: list[SignedMessage] = field(default_factory=list)
    secp_limit: int = CBOR_MAX_LENGTH
    bls_limit: int = CBOR_MAX_LENGTH

    def _kind_limit(self, chain: MsgChain) -> int:
        return self.bls_limit if chain.sig_type is SignatureType.BLS else self.secp_limit

    def _take(self, chain: MsgChain, count: int) -> None:
        if chain.sig_type is SignatureType.BLS:
            self.bls_limit -= count
        else:
            self.secp_limit -= count

    def try_to_add(self, chain: MsgChain) -> bool:
        """Add the whole chain if it fits (Lotus ``tryToAdd``)."""
        count = len(chain.msgs)
        if self.message_limit < count + len(self.msgs) or self.gas_limit < chain.gas_limit:
            return False
        if self._kind_limit(chain) < count:
            return False
        self.msgs.extend(chain.msgs)
        self._take(chain, count)
        self.gas_limit -= chain.gas_limit
        return True

    def try_to_add_with_deps(self, chain: MsgChain, base_fee: TokenAmount, block_gas_limit: int) -> bool:
        """Add the chain with its unmerged predecessors if all fit, else trim or invalidate it."""
        chain_gas, chain_msgs = chain.gas_limit, len(chain.msgs)
        dep_gas = dep_msgs = 0
        kind_limit = min(self._kind_limit(chain), self.message_limit - len(self.msgs))
        deps: list[MsgChain] = []
        cur = chain.prev
        while cur is not None and not cur.merged:
            deps.append(cur)
            chain_gas += cur.gas_limit
            chain_msgs += len(cur.msgs)
            dep_gas += cur.gas_limit
            dep_msgs += len(cur.msgs)
            cur = cur.prev
        if chain_gas > self.gas_limit or chain_msgs > kind_limit:
            if dep_gas > self.gas_limit or dep_msgs >= kind_limit:
                chain.invalidate()
            else:
                chain.trim(self.gas_limit - dep_gas, kind_limit - dep_msgs, base_fee, block_gas_limit)
            return False
        for dep in reversed(deps):
            dep.merged = True
            self.msgs.extend(dep.msgs)
        chain.merged = True
        self.msgs.extend(chain.msgs)
        self.gas_limit -= chain_gas
        self._take(chain, chain_msgs)
        return True

    def trim_chain(self, chain: MsgChain, base_fee: TokenAmount, block_gas_limit: int) -> None:
        """Trim ``chain`` to the room left (Lotus ``trimChain``)."""
        msg_limit = min(self.message_limit - len(self.msgs), self._kind_limit(chain))
        if chain.gas_limit > self.gas_limit or len(chain.msgs) > msg_limit:
            chain.trim(self.gas_limit, msg_limit, base_fee, block_gas_limit)


@cache
def _no_winners_prob_assuming_more_than_one() -> tuple[float, ...]:
    # Poisson(5) probabilities of 1..MAX_BLOCKS winners, conditioned on at least one winner.
    cond = math.log(math.exp(5) - 1)
    return tuple(math.exp(math.log(5) * x - math.lgamma(x + 1) - cond) for x in range(1, MAX_BLOCKS + 1))


def _binomial_coefficient(n: float, k: float) -> float:
    if k > n:
        return math.nan
    r = 1.0
    d = 1.0
    while d <= k:
        r *= n
        r /= d
        n -= 1
        d += 1
    return r


def block_probabilities(ticket_quality: float) -> list[float]:
    """Probability that a block of this ticket quality lands at each position of the epoch (Lotus)."""
    no_winners = _no_winners_prob_assuming_more_than_one()
    p = 1 - ticket_quality

    def bino_pdf(x: float, trials: float) -> float:
        if x > trials:
            return 0.0
        if p == 0:
            return 1.0 if x == 0 else 0.0
        if p == 1:
            return 1.0 if x == trials else 0.0
        coef = _binomial_coefficient(trials, x)
        if math.isinf(coef):
            return 0.0
        return coef * math.pow(p, x) * math.pow(1 - p, trials - x)

    return [
        sum(p_case * bino_pdf(place, others) for others, p_case in enumerate(no_winners))
        for place in range(MAX_BLOCKS)
    ]


def _sort(chains: list[MsgChain], before: Callable[[MsgChain, MsgChain], bool]) -> None:
    # A stable sort by a strict "before" relation; ties keep their order.
    chains.sort(key=cmp_to_key(lambda a, b: -1 if before(a, b) else (1 if before(b, a) else 0)))


def _greedy_fill(
    result: SelectedMessages, chains: list[MsgChain], base_fee: TokenAmount, block_gas_limit: int
) -> None:
    """Greedy packing with tail trimming, shared by the priority pass and the greedy strategy."""
    _sort(chains, MsgChain.before)
    if chains and chains[0].gas_perf < 0:
        return
    last = len(chains)
    for i, chain in enumerate(chains):
        if chain.gas_perf < 0:
            break
        if result.try_to_add(chain):
            continue
        last = i
        break
    while result.gas_limit >= MIN_GAS and last < len(chains):
        result.trim_chain(chains[last], base_fee, block_gas_limit)
        if chains[last].valid:
            # Bubble the trimmed chain down to its place.
            for i in range(last, len(chains) - 1):
                if chains[i].before(chains[i + 1]):
                    break
                chains[i], chains[i + 1] = chains[i + 1], chains[i]
        restart = False
        for offset, chain in enumerate(chains[last:]):
            if not chain.valid:
                continue
            if chain.gas_perf < 0:
                return
            if result.try_to_add(chain):
                continue
            last += offset
            restart = True
            break
        if not restart:
            return


def select_messages(
    pending: PendingMessages,
    actor_of: Callable[[Address], ActorInfo | None],
    base_fee: TokenAmount,
    ticket_quality: float,
    *,
    block_gas_limit: int,
    block_message_limit: int,
    priority_addrs: Sequence[Address] = (),
    prices: PriceList | None = None,
    rng: random.Random | None = None,
) -> list[SignedMessage]:
    """The messages of a new block, in inclusion order (Lotus ``SelectMessages``).

    ``pending`` maps each sender's key address to its pending messages by nonce (it is consumed);
    ``actor_of`` gives a sender's nonce and balance after the parent tipset; ``rng`` shuffles the
    optimal strategy's last random fill.
    """
    prices = prices or PriceList()
    result = SelectedMessages(gas_limit=block_gas_limit, message_limit=block_message_limit)

    def chains_of(actor: Address, mset: Mapping[int, SignedMessage]) -> list[MsgChain]:
        return create_message_chains(
            mset, actor_of(actor), base_fee, prices, block_gas_limit, block_message_limit
        )

    priority: list[MsgChain] = []
    for actor in priority_addrs:
        mset = pending.pop(actor, None)
        if mset is not None:
            priority.extend(chains_of(actor, mset))
    if priority:
        _greedy_fill(result, priority, base_fee, block_gas_limit)
    if not pending or result.gas_limit < MIN_GAS or len(result.msgs) >= block_message_limit:
        return result.msgs[:block_message_limit]

    chains: list[MsgChain] = []
    # Sorted senders make the result independent of dict order before the stable sort.
    for actor in sorted(pending, key=bytes):
        chains.extend(chains_of(actor, pending[actor]))

    if ticket_quality > GREEDY_TICKET_QUALITY:
        _greedy_fill(result, chains, base_fee, block_gas_limit)
    else:
        _optimal_fill(result, chains, base_fee, ticket_quality, block_gas_limit, rng or random.Random())
    return result.msgs[:block_message_limit]


def _optimal_fill(
    result: SelectedMessages,
    chains: list[MsgChain],
    base_fee: TokenAmount,
    ticket_quality: float,
    block_gas_limit: int,
    rng: random.Random,
) -> None:
    _sort(chains, MsgChain.before)
    if chains and chains[0].gas_perf < 0:
        return
    # Partition the chains into the blocks of an epoch they would fill in order, and weigh each chain
    # by the chance that this block's position gets its messages executed.
    next_chain = 0
    partitions: list[list[MsgChain]] = [[] for _ in range(MAX_BLOCKS)]
    for i in range(MAX_BLOCKS):
        if next_chain >= len(chains):
            break
        gas_left, msgs_left = block_gas_limit, result.message_limit
        while next_chain < len(chains):
            chain = chains[next_chain]
            next_chain += 1
            partitions[i].append(chain)
            gas_left -= chain.gas_limit
            msgs_left -= len(chain.msgs)
            if gas_left < MIN_GAS or msgs_left <= 0:
                break
    probabilities = block_probabilities(ticket_quality)
    eff_chains = 0
    for i in range(MAX_BLOCKS):
        for chain in partitions[i]:
            chain.set_effective_perf(probabilities[i])
        eff_chains += len(partitions[i])
    for chain in chains[eff_chains:]:
        chain.set_null_effective_perf()
    _sort(chains, MsgChain.before_effective)

    last = len(chains)
    for i, chain in enumerate(chains):
        if chain.gas_perf < 0:
            break
        if chain.merged:
            continue
        if result.try_to_add_with_deps(chain, base_fee, block_gas_limit):
            # The sender's next chain no longer carries this one's weight.
            nxt = chain.next
            if nxt is not None and nxt.eff_perf > 0:
                nxt.eff_perf += nxt.parent_offset
                nxt = nxt.next
                while nxt is not None and nxt.eff_perf > 0:
                    nxt.set_eff_perf()
                    nxt = nxt.next
            tail = chains[i + 1 :]
            _sort(tail, MsgChain.before_effective)
            chains[i + 1 :] = tail
            continue
        last = i
        break

    while result.gas_limit >= MIN_GAS and last < len(chains):
        if not chains[last].valid:
            last += 1
            continue
        result.trim_chain(chains[last], base_fee, block_gas_limit)
        if chains[last].valid:
            for i in range(last, len(chains) - 1):
                if chains[i].before_effective(chains[i + 1]):
                    break
                chains[i], chains[i + 1] = chains[i + 1], chains[i]
        restart = False
        stop = False
        for chain in chains[last:]:
            if not chain.valid or chain.merged:
                continue
            if chain.gas_perf < 0:
                stop = True
                break
            if result.try_to_add_with_deps(chain, base_fee, block_gas_limit):
                continue
            restart = True
            break
        if stop or not restart:
            break

    # Fill what is left from the remaining chains in random order, which may take chains whose
    # dependencies were skipped above.
    if result.gas_limit >= MIN_GAS and len(result.msgs) <= result.message_limit:
        rng.shuffle(chains)
        for chain in chains:
            if result.gas_limit < MIN_GAS or len(result.msgs) >= result.message_limit:
                break
            if chain.merged or not chain.valid or chain.gas_perf < 0:
                continue
            if result.try_to_add_with_deps(chain, base_fee, block_gas_limit):
                continue
            if chain.valid:
                # It was trimmed to fit: try the shorter chain once more.
                result.try_to_add_with_deps(chain, base_fee, block_gas_limit)
