"""The FRC-46 token logic datacap runs (helix-onchain ``frc46_token``): pure functions over ``TokenState``.

Two layers, as in frc46_token:

* the state operations of ``frc46_token::token::state::TokenState`` (``get_balance``,
  ``change_balance_by``, ``make_transfer``, ``change_allowance_by``, ``attempt_use_allowance``, …) over
  actor IDs, each returning the updated ``TokenState`` first, then what the Rust returns;
* :class:`Token`, the operations of ``frc46_token::token::Token`` over addresses (``mint``, ``burn``,
  ``transfer``, ``transfer_from``, the allowance methods, ``balance_of``), which check amounts and resolve
  addresses before changing state.

Failures are :class:`ActorError` with the exit code frc46_token's ``TokenError``/``StateError`` conversion
gives: a negative or ill-grained amount, or an operator acting on itself, USR_ILLEGAL_ARGUMENT; too small a
balance or allowance USR_INSUFFICIENT_FUNDS; an address that cannot be resolved USR_NOT_FOUND; a HAMT that
does not load USR_SERIALIZATION (frc46's ``StateError::IpldHamt``); an impossible negative supply or
allowance USR_ILLEGAL_STATE.

Zero balances and allowances are never stored (their entries are deleted), nor an empty per-owner
allowance map. Mint and transfer return a :class:`ReceiverHook`, the recipient's ``Receive`` call the
actor must make once the new state is committed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Final

from filnet.actors.datacap.state import TokenState
from filnet.actors.datacap.types import FRC46_TOKEN_TYPE, FRC46TokenReceived, UniversalReceiverParams
from filnet.actors.encoding import as_bigint, as_cid, uint_key
from filnet.core.address import Address
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ActorID
from filnet.errors import FilnetError
from filnet.ipld.blockstore import Blockstore
from filnet.ipld.hamt import Hamt
from filnet.vm.exit_codes import ActorError, ExitCode

#: How the token finds the actor ID behind an address (the runtime's ``resolve_address``).
Resolver = Callable[[Address], Address | None]

_NO_DATA: Final = b""


@contextmanager
def _hamt_access(what: str) -> Iterator[None]:
    """Turn a HAMT that does not load or holds a malformed value into frc46's ``StateError::IpldHamt``."""
    try:
        yield
    except ActorError:
        raise
    except FilnetError as e:
        raise ActorError(ExitCode.USR_SERIALIZATION, f"ipld hamt error ({what}): {e}") from e


def _insufficient_balance(owner: ActorID, balance: TokenAmount, delta: TokenAmount) -> ActorError:
    return ActorError(
        ExitCode.USR_INSUFFICIENT_FUNDS,
        f"negative balance caused by decreasing f0{owner}'s balance of {balance.atto} by {delta.atto}",
    )


def _insufficient_allowance(
    owner: Address, operator: Address, allowance: TokenAmount, delta: TokenAmount
) -> ActorError:
    return ActorError(
        ExitCode.USR_INSUFFICIENT_FUNDS,
        f"{operator} attempted to utilise {delta.atto} of allowance {allowance.atto} set by {owner}",
    )


# --- TokenState operations (frc46_token::token::state) ---


def _balances(store: Blockstore, token: TokenState) -> Hamt:
    return Hamt(store, token.balances, token.hamt_bit_width)


def _allowances(store: Blockstore, token: TokenState) -> Hamt:
    return Hamt(store, token.allowances, token.hamt_bit_width)


def _is_empty(hamt: Hamt) -> bool:
    return next(iter(hamt.items()), None) is None


def _owner_allowances(store: Blockstore, token: TokenState, owner: ActorID) -> Hamt | None:
    raw = _allowances(store, token).get(uint_key(owner))
    if raw is None:
        return None
    return Hamt(store, as_cid(raw, f"allowances of f0{owner}"), token.hamt_bit_width)


def _amount(raw: object, what: str) -> TokenAmount:
    return TokenAmount(as_bigint(raw, what))


def get_balance(store: Blockstore, token: TokenState, owner: ActorID) -> TokenAmount:
    """``owner``'s balance (zero when it has no entry)."""
    with _hamt_access("balances"):
        raw = _balances(store, token).get(uint_key(owner))
        return ZERO if raw is None else _amount(raw, f"balance of f0{owner}")


def change_balance_by(
    store: Blockstore, token: TokenState, owner: ActorID, delta: TokenAmount
) -> tuple[TokenState, TokenAmount]:
    """Add ``delta`` (may be negative) to ``owner``'s balance; USR_INSUFFICIENT_FUNDS if it would go
    negative. A zero result removes the entry. Returns the new balance."""
    if not delta:
        return token, get_balance(store, token, owner)
    with _hamt_access("balances"):
        hamt = _balances(store, token)
        key = uint_key(owner)
        raw = hamt.get(key)
        balance = ZERO if raw is None else _amount(raw, f"balance of f0{owner}")
        new_balance = balance + delta
        if new_balance < ZERO:
            raise _insufficient_balance(owner, balance, delta)
        if new_balance == ZERO:
            hamt.delete(key)
        else:
            hamt.set(key, new_balance.to_bytes())
        return replace(token, balances=hamt.flush()), new_balance


def make_transfer(
    store: Blockstore, token: TokenState, from_: ActorID, to: ActorID, amount: TokenAmount
) -> TokenState:
    """Move ``amount`` from ``from_`` to ``to``; to oneself it only checks the balance covers it."""
    if from_ == to:
        balance = get_balance(store, token, from_)
        if balance < amount:
            raise _insufficient_balance(from_, balance, -amount)
        return token
    token, _ = change_balance_by(store, token, from_, -amount)
    token, _ = change_balance_by(store, token, to, amount)
    return token


def change_supply_by(token: TokenState, delta: TokenAmount) -> TokenState:
    """Add ``delta`` to the total supply; USR_ILLEGAL_STATE if it would go negative."""
    new_supply = token.supply + delta
    if new_supply < ZERO:
        raise ActorError(
            ExitCode.USR_ILLEGAL_STATE,
            f"total_supply cannot be negative, cannot apply delta of {delta.atto} to {token.supply.atto}",
        )
    return replace(token, supply=new_supply)


def get_allowance_between(
    store: Blockstore, token: TokenState, owner: ActorID, operator: ActorID
) -> TokenAmount:
    """What ``operator`` may still spend of ``owner``'s balance (zero when nothing is recorded)."""
    with _hamt_access("allowances"):
        owner_map = _owner_allowances(store, token, owner)
        raw = None if owner_map is None else owner_map.get(uint_key(operator))
        return ZERO if raw is None else _amount(raw, f"allowance of f0{owner} to f0{operator}")


def change_allowance_by(
    store: Blockstore, token: TokenState, owner: ActorID, operator: ActorID, delta: TokenAmount
) -> tuple[TokenState, TokenAmount]:
    """Add ``delta`` to ``operator``'s allowance over ``owner``, flooring at zero (a zero allowance and an
    emptied owner map are removed). Returns the new allowance."""
    if not delta:
        return token, get_allowance_between(store, token, owner, operator)
    with _hamt_access("allowances"):
        root = _allowances(store, token)
        owner_key = uint_key(owner)
        raw = root.get(owner_key)
        if raw is None:
            if delta < ZERO:
                return token, ZERO
            owner_map = Hamt(store, bit_width=token.hamt_bit_width)
        else:
            owner_map = Hamt(store, as_cid(raw, f"allowances of f0{owner}"), token.hamt_bit_width)
        operator_key = uint_key(operator)
        existing = owner_map.get(operator_key)
        current = ZERO if existing is None else _amount(existing, f"allowance of f0{owner} to f0{operator}")
        new_allowance = max(current + delta, ZERO)
        if new_allowance == ZERO:
            owner_map.delete(operator_key)
        else:
            owner_map.set(operator_key, new_allowance.to_bytes())
        if _is_empty(owner_map):
            root.delete(owner_key)
        else:
            root.set(owner_key, owner_map.flush())
        return replace(token, allowances=root.flush()), new_allowance


def revoke_allowance(
    store: Blockstore, token: TokenState, owner: ActorID, operator: ActorID
) -> tuple[TokenState, TokenAmount]:
    """Remove ``operator``'s allowance over ``owner``; returns the allowance it had."""
    with _hamt_access("allowances"):
        owner_map = _owner_allowances(store, token, owner)
        if owner_map is None:
            return token, ZERO
        operator_key = uint_key(operator)
        existing = owner_map.get(operator_key)
        old = ZERO if existing is None else _amount(existing, f"allowance of f0{owner} to f0{operator}")
        owner_map.delete(operator_key)
        root = _allowances(store, token)
        if _is_empty(owner_map):
            root.delete(uint_key(owner))
        else:
            root.set(uint_key(owner), owner_map.flush())
        return replace(token, allowances=root.flush()), old


def set_allowance(
    store: Blockstore, token: TokenState, owner: ActorID, operator: ActorID, amount: TokenAmount
) -> tuple[TokenState, TokenAmount]:
    """Make ``operator``'s allowance over ``owner`` exactly ``amount``; returns the allowance it had."""
    if amount < ZERO:
        raise ActorError(
            ExitCode.USR_ILLEGAL_STATE,
            f"allowance cannot be negative, cannot set allowance between f0{owner} and f0{operator} "
            f"to {amount.atto}",
        )
    with _hamt_access("allowances"):
        root = _allowances(store, token)
        owner_key = uint_key(owner)
        raw = root.get(owner_key)
        if raw is None:
            owner_map = Hamt(store, bit_width=token.hamt_bit_width)
        else:
            owner_map = Hamt(store, as_cid(raw, f"allowances of f0{owner}"), token.hamt_bit_width)
        operator_key = uint_key(operator)
        existing = owner_map.get(operator_key)
        old = ZERO if existing is None else _amount(existing, f"allowance of f0{owner} to f0{operator}")
        if amount == ZERO:
            token, _ = revoke_allowance(store, token, owner, operator)
            return token, old
        owner_map.set(operator_key, amount.to_bytes())
        root.set(owner_key, owner_map.flush())
        return replace(token, allowances=root.flush()), old


def attempt_use_allowance(
    store: Blockstore, token: TokenState, operator: ActorID, owner: ActorID, amount: TokenAmount
) -> tuple[TokenState, TokenAmount]:
    """Spend ``amount`` of ``operator``'s allowance over ``owner``; USR_INSUFFICIENT_FUNDS when it is
    smaller, or zero (even for a zero amount). Returns the remaining allowance."""
    current = get_allowance_between(store, token, owner, operator)
    if (current == ZERO and operator != owner) or current < amount:
        raise _insufficient_allowance(Address.new_id(owner), Address.new_id(operator), current, amount)
    if amount == ZERO:
        return token, current
    return change_allowance_by(store, token, owner, operator, -amount)


# --- Token operations (frc46_token::token::Token) ---


def validate_amount_with_granularity(amount: TokenAmount, name: str, granularity: int) -> TokenAmount:
    """``amount``, unless negative or not a whole multiple of ``granularity`` (USR_ILLEGAL_ARGUMENT)."""
    if amount < ZERO:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT, f"value {amount.atto} for {name!r} must be non-negative"
        )
    if amount.atto % granularity:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT,
            f"amount {amount.atto} for {name!r} must be a multiple of {granularity}",
        )
    return amount


def validate_allowance(amount: TokenAmount, name: str) -> TokenAmount:
    """``amount``, unless negative (USR_ILLEGAL_ARGUMENT); allowances need no granularity."""
    if amount < ZERO:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT, f"value {amount.atto} for {name!r} must be non-negative"
        )
    return amount


@dataclass(frozen=True, slots=True)
class ReceiverHook:
    """The recipient's ``Receive`` call a mint or transfer owes (frc46 ``ReceiverHook``): sent to
    ``address`` with :meth:`params` after the new state is committed; its failure aborts the operation."""

    address: Address
    received: FRC46TokenReceived

    def params(self) -> UniversalReceiverParams:
        """The hook's params: the FRC-46 token type and the encoded ``FRC46TokenReceived``."""
        return UniversalReceiverParams(FRC46_TOKEN_TYPE, self.received.encode())


@dataclass(frozen=True, slots=True)
class Token:
    """An FRC-46 token's address-level operations: over a block store, with a granularity, the runtime's
    address resolution and the token actor's own ID (the ``from`` of a mint's hook)."""

    store: Blockstore
    granularity: int
    resolve: Resolver
    actor_id: ActorID

    def resolve_id(self, address: Address) -> ActorID | None:
        """The actor ID behind ``address``, if any."""
        resolved = self.resolve(address)
        return None if resolved is None else ActorID(resolved.id)

    def resolve_or_init(self, address: Address) -> ActorID:
        """The actor ID behind ``address``, or USR_NOT_FOUND.

        frc46 would create an account for an unknown key address with a zero send; datacap runs every token
        operation inside a state transaction, where the runtime refuses sends, so that send always fails and
        frc46 reports the address as not initialized.
        """
        resolved = self.resolve_id(address)
        if resolved is None:
            raise ActorError(ExitCode.USR_NOT_FOUND, f"address could not be initialized: `{address}`")
        return resolved

    def same_address(self, a: Address, b: Address) -> bool:
        """Whether ``a`` and ``b`` name one actor: equal when of one protocol, else both resolve alike."""
        if a.protocol is b.protocol:
            return a == b
        id_a, id_b = self.resolve_id(a), self.resolve_id(b)
        return id_a is not None and id_b is not None and id_a == id_b

    def balance_of(self, token: TokenState, owner: Address) -> TokenAmount:
        """``owner``'s balance (zero for an address with no actor)."""
        owner_id = self.resolve_id(owner)
        return ZERO if owner_id is None else get_balance(self.store, token, owner_id)

    def allowance(self, token: TokenState, owner: Address, operator: Address) -> TokenAmount:
        """``operator``'s allowance over ``owner``'s balance (zero if either has no actor)."""
        owner_id = self.resolve_id(owner)
        if owner_id is None:
            return ZERO
        operator_id = self.resolve_id(operator)
        if operator_id is None:
            return ZERO
        return get_allowance_between(self.store, token, owner_id, operator_id)

    def mint(
        self,
        token: TokenState,
        operator: Address,
        initial_owner: Address,
        amount: TokenAmount,
        operator_data: bytes = _NO_DATA,
        token_data: bytes = _NO_DATA,
    ) -> tuple[TokenState, ReceiverHook]:
        """Create ``amount`` for ``initial_owner`` (raising the supply); the hook to call on the owner."""
        validate_amount_with_granularity(amount, "mint", self.granularity)
        operator_id = self.resolve_or_init(operator)
        owner_id = self.resolve_or_init(initial_owner)
        token, _ = change_balance_by(self.store, token, owner_id, amount)
        token = change_supply_by(token, amount)
        received = FRC46TokenReceived(self.actor_id, owner_id, operator_id, amount, operator_data, token_data)
        return token, ReceiverHook(initial_owner, received)

    def burn(self, token: TokenState, owner: Address, amount: TokenAmount) -> tuple[TokenState, TokenAmount]:
        """Destroy ``amount`` of ``owner``'s balance (lowering the supply); returns the new balance."""
        validate_amount_with_granularity(amount, "burn", self.granularity)
        owner_id = self.resolve_or_init(owner)
        token, balance = change_balance_by(self.store, token, owner_id, -amount)
        return change_supply_by(token, -amount), balance

    def burn_from(
        self, token: TokenState, operator: Address, owner: Address, amount: TokenAmount
    ) -> tuple[TokenState, TokenAmount, TokenAmount]:
        """``operator`` burns ``amount`` of ``owner``'s balance out of its allowance; returns the owner's new
        balance and the operator's remaining allowance."""
        validate_amount_with_granularity(amount, "burn", self.granularity)
        if self.same_address(operator, owner):
            raise ActorError(
                ExitCode.USR_ILLEGAL_ARGUMENT,
                f"operator cannot be the same as the debited address {operator}",
            )
        operator_id = self.resolve_id(operator)
        if operator_id is None:
            raise _insufficient_allowance(owner, operator, ZERO, amount)
        owner_id = self.resolve_id(owner)
        if owner_id is None:
            # frc46 names the owner in both places here
            raise _insufficient_allowance(owner, owner, ZERO, amount)
        token, allowance = attempt_use_allowance(self.store, token, operator_id, owner_id, amount)
        token, balance = change_balance_by(self.store, token, owner_id, -amount)
        return change_supply_by(token, -amount), balance, allowance

    def transfer(
        self,
        token: TokenState,
        from_: Address,
        to: Address,
        amount: TokenAmount,
        operator_data: bytes = _NO_DATA,
        token_data: bytes = _NO_DATA,
    ) -> tuple[TokenState, ReceiverHook]:
        """Move ``amount`` of ``from_``'s own balance to ``to``; the hook to call on ``to``."""
        validate_amount_with_granularity(amount, "transfer", self.granularity)
        from_id = self.resolve_or_init(from_)
        to_id = self.resolve_or_init(to)
        token = make_transfer(self.store, token, from_id, to_id, amount)
        received = FRC46TokenReceived(from_id, to_id, from_id, amount, operator_data, token_data)
        return token, ReceiverHook(to, received)

    def transfer_from(
        self,
        token: TokenState,
        operator: Address,
        from_: Address,
        to: Address,
        amount: TokenAmount,
        operator_data: bytes = _NO_DATA,
        token_data: bytes = _NO_DATA,
    ) -> tuple[TokenState, ReceiverHook]:
        """``operator`` moves ``amount`` of ``from_``'s balance to ``to`` out of its allowance; the hook to
        call on ``to``."""
        validate_amount_with_granularity(amount, "transfer", self.granularity)
        if self.same_address(operator, from_):
            raise ActorError(
                ExitCode.USR_ILLEGAL_ARGUMENT,
                f"operator cannot be the same as the debited address {operator}",
            )
        operator_id = self.resolve_id(operator)
        if operator_id is None:
            raise _insufficient_allowance(from_, operator, ZERO, amount)
        from_id = self.resolve_id(from_)
        if from_id is None:
            raise _insufficient_allowance(from_, operator, ZERO, amount)
        to_id = self.resolve_or_init(to)
        token, _ = attempt_use_allowance(self.store, token, operator_id, from_id, amount)
        token = make_transfer(self.store, token, from_id, to_id, amount)
        received = FRC46TokenReceived(from_id, to_id, operator_id, amount, operator_data, token_data)
        return token, ReceiverHook(to, received)

    def increase_allowance(
        self, token: TokenState, owner: Address, operator: Address, delta: TokenAmount
    ) -> tuple[TokenState, TokenAmount]:
        """Raise ``operator``'s allowance over ``owner`` by ``delta``; returns the new allowance."""
        validate_allowance(delta, "increase allowance delta")
        owner_id = self.resolve_or_init(owner)
        operator_id = self.resolve_or_init(operator)
        return change_allowance_by(self.store, token, owner_id, operator_id, delta)

    def decrease_allowance(
        self, token: TokenState, owner: Address, operator: Address, delta: TokenAmount
    ) -> tuple[TokenState, TokenAmount]:
        """Lower ``operator``'s allowance over ``owner`` by ``delta`` (to no less than zero); returns the new
        allowance."""
        validate_allowance(delta, "decrease allowance delta")
        owner_id = self.resolve_or_init(owner)
        operator_id = self.resolve_or_init(operator)
        return change_allowance_by(self.store, token, owner_id, operator_id, -delta)

    def revoke_allowance(
        self, token: TokenState, owner: Address, operator: Address
    ) -> tuple[TokenState, TokenAmount]:
        """Remove ``operator``'s allowance over ``owner``; returns the allowance it had (zero, with no change,
        if either address has no actor)."""
        owner_id = self.resolve_id(owner)
        if owner_id is None:
            return token, ZERO
        operator_id = self.resolve_id(operator)
        if operator_id is None:
            return token, ZERO
        return revoke_allowance(self.store, token, owner_id, operator_id)

    def set_allowance(
        self, token: TokenState, owner: Address, operator: Address, amount: TokenAmount
    ) -> tuple[TokenState, TokenAmount]:
        """Make ``operator``'s allowance over ``owner`` exactly ``amount``; returns the allowance it had."""
        validate_allowance(amount, "set allowance amount")
        if amount == ZERO:
            return self.revoke_allowance(token, owner, operator)
        owner_id = self.resolve_or_init(owner)
        operator_id = self.resolve_or_init(operator)
        return set_allowance(self.store, token, owner_id, operator_id, amount)
