"""The datacap actor's methods (builtin-actors ``fil_actor_datacap::Actor``).

DataCap is an FRC-46 token of whole units (granularity 10^18, one token per byte of verified storage).
Only the governor (the verified registry) mints and destroys it. It does not move freely: a holder may
transfer only to the governor (or the governor to anyone), and an operator only to the governor, which is
how a client's datacap reaches the registry as allocations. Every mint and transfer calls the recipient's
``Receive`` hook after the new state is committed; a failing hook aborts the whole call.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from filnet.actors import manifest
from filnet.actors.datacap.methods import Method
from filnet.actors.datacap.state import GRANULARITY, NAME, SYMBOL, DatacapState, TokenState, empty_state
from filnet.actors.datacap.token import ReceiverHook, Token
from filnet.actors.datacap.types import (
    TOKEN_PRECISION,
    BalanceParams,
    BalanceReturn,
    BurnFromParams,
    BurnFromReturn,
    BurnParams,
    BurnReturn,
    ConstructorParams,
    DecreaseAllowanceParams,
    DecreaseAllowanceReturn,
    DestroyParams,
    GetAllowanceParams,
    GetAllowanceReturn,
    GranularityReturn,
    IncreaseAllowanceParams,
    IncreaseAllowanceReturn,
    MintParams,
    MintReturn,
    NameReturn,
    RevokeAllowanceParams,
    RevokeAllowanceReturn,
    SymbolReturn,
    TotalSupplyReturn,
    TransferFromParams,
    TransferFromReturn,
    TransferParams,
    TransferReturn,
)
from filnet.actors.singletons import SYSTEM_ACTOR
from filnet.core.address import Address
from filnet.core.frc42 import method_number
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ActorID
from filnet.vm.dispatch import ActorCode
from filnet.vm.exit_codes import ActorError, ExitCode
from filnet.vm.runtime import Runtime, decode_params, require_no_params

#: The recipient method a token calls on receipt (fvm_actor_utils ``RECEIVER_HOOK_METHOD_NUM``).
RECEIVER_HOOK_METHOD_NUM: Final = method_number("Receive")
#: The allowance a mint grants its operators (builtin-actors ``INFINITE_ALLOWANCE``: over 800 EiB).
INFINITE_ALLOWANCE: Final = TokenAmount(TOKEN_PRECISION * 10**21)


def _token(rt: Runtime) -> Token:
    """The frc46 token over this actor's store, with datacap's granularity."""
    return Token(rt.store, GRANULARITY, rt.resolve_address, ActorID(rt.receiver.id))


def _call_hook(rt: Runtime, hook: ReceiverHook) -> bytes:
    """Call the recipient's ``Receive`` hook; its return data, or abort with its (user) exit code."""
    result = rt.send(hook.address, RECEIVER_HOOK_METHOD_NUM, hook.params().encode(), ZERO)
    if not result.ok:
        raise ActorError(
            result.caller_exit_code,
            f"receiver hook error from {hook.address}: exit_code={int(result.exit_code)}",
        )
    return result.return_data


def constructor(rt: Runtime, raw: bytes) -> bytes:
    """Create the empty token governed by ``governor`` (which must resolve; it is kept as given)."""
    params = decode_params(raw, ConstructorParams.from_ipld, "datacap Constructor")
    rt.validate_immediate_caller_is(SYSTEM_ACTOR)
    if rt.resolve_address(params.governor) is None:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "failed to resolve governor address")
    rt.create_state(empty_state(rt.store, params.governor))
    return b""


def name(rt: Runtime, raw: bytes) -> bytes:
    """The token's name, "DataCap"."""
    require_no_params(raw, "datacap Name")
    rt.validate_immediate_caller_accept_any()
    return NameReturn(NAME).encode()


def symbol(rt: Runtime, raw: bytes) -> bytes:
    """The token's symbol, "DCAP"."""
    require_no_params(raw, "datacap Symbol")
    rt.validate_immediate_caller_accept_any()
    return SymbolReturn(SYMBOL).encode()


def granularity(rt: Runtime, raw: bytes) -> bytes:
    """The smallest indivisible amount: one whole token (10^18 units)."""
    require_no_params(raw, "datacap Granularity")
    rt.validate_immediate_caller_accept_any()
    return GranularityReturn(GRANULARITY).encode()


def total_supply(rt: Runtime, raw: bytes) -> bytes:
    """The tokens in existence."""
    require_no_params(raw, "datacap TotalSupply")
    rt.validate_immediate_caller_accept_any()
    return TotalSupplyReturn(rt.state(DatacapState).token.supply).encode()


def balance(rt: Runtime, raw: bytes) -> bytes:
    """An address's balance (zero for an address with no actor)."""
    params = decode_params(raw, BalanceParams.from_ipld, "datacap Balance")
    rt.validate_immediate_caller_accept_any()
    state = rt.state(DatacapState)
    return BalanceReturn(_token(rt).balance_of(state.token, params.address)).encode()


def allowance(rt: Runtime, raw: bytes) -> bytes:
    """An operator's allowance over an owner's balance."""
    params = decode_params(raw, GetAllowanceParams.from_ipld, "datacap Allowance")
    rt.validate_immediate_caller_accept_any()
    state = rt.state(DatacapState)
    return GetAllowanceReturn(_token(rt).allowance(state.token, params.owner, params.operator)).encode()


def mint(rt: Runtime, raw: bytes) -> bytes:
    """Governor only: mint ``amount`` to ``to`` and give each of ``operators`` an infinite allowance over
    the recipient's balance; then call the recipient's hook."""
    params = decode_params(raw, MintParams.from_ipld, "datacap Mint")

    def update(state: DatacapState) -> tuple[DatacapState, ReceiverHook]:
        rt.validate_immediate_caller_is(state.governor)
        token = _token(rt)
        minted: tuple[TokenState, ReceiverHook] | ActorError
        try:
            minted = token.mint(state.token, state.governor, params.to, params.amount)
        except ActorError as e:
            minted = e
        new_token = state.token if isinstance(minted, ActorError) else minted[0]
        # builtin-actors sets the operators' allowances whatever the mint's outcome, so an allowance failure
        # takes precedence over the mint's own; after a successful mint such a failure drops the receiver
        # hook uncalled, which panics in frc46 (a Wasm panic aborts with USR_ASSERTION_FAILED).
        for delegate in params.operators:
            try:
                new_token, _ = token.set_allowance(new_token, params.to, delegate, INFINITE_ALLOWANCE)
            except ActorError as e:
                if isinstance(minted, ActorError):
                    raise
                raise ActorError(
                    ExitCode.USR_ASSERTION_FAILED,
                    f"dropped before receiver hook was called on {params.to} ({e.reason})",
                ) from e
        if isinstance(minted, ActorError):
            raise minted
        return replace(state, token=new_token), minted[1]

    hook = rt.transaction(DatacapState, update)
    recipient_data = _call_hook(rt, hook)
    state = rt.state(DatacapState)
    return MintReturn(
        _token(rt).balance_of(state.token, params.to), state.token.supply, recipient_data
    ).encode()


def destroy(rt: Runtime, raw: bytes) -> bytes:
    """Governor only: burn ``amount`` of ``owner``'s balance (no allowance needed)."""
    params = decode_params(raw, DestroyParams.from_ipld, "datacap Destroy")

    def update(state: DatacapState) -> tuple[DatacapState, TokenAmount]:
        rt.validate_immediate_caller_is(state.governor)
        new_token, new_balance = _token(rt).burn(state.token, params.owner, params.amount)
        return replace(state, token=new_token), new_balance

    return BurnReturn(rt.transaction(DatacapState, update)).encode()


def transfer(rt: Runtime, raw: bytes) -> bytes:
    """Move the caller's tokens to ``to``: allowed only to the governor, or from it."""
    params = decode_params(raw, TransferParams.from_ipld, "datacap Transfer")
    rt.validate_immediate_caller_accept_any()
    from_ = rt.caller
    to = rt.resolve_address(params.to)
    if to is None:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"to must be ID address: cannot resolve {params.to}")

    def update(state: DatacapState) -> tuple[DatacapState, ReceiverHook]:
        _check_transfer_allowed(state, from_, to, to == state.governor or from_ == state.governor)
        new_token, hook = _token(rt).transfer(state.token, from_, to, params.amount, params.operator_data)
        return replace(state, token=new_token), hook

    hook = rt.transaction(DatacapState, update)
    recipient_data = _call_hook(rt, hook)
    state = rt.state(DatacapState)
    token = _token(rt)
    return TransferReturn(
        token.balance_of(state.token, from_), token.balance_of(state.token, to), recipient_data
    ).encode()


def transfer_from(rt: Runtime, raw: bytes) -> bytes:
    """The caller, as operator, moves ``from``'s tokens to ``to`` out of its allowance: only to the
    governor."""
    params = decode_params(raw, TransferFromParams.from_ipld, "datacap TransferFrom")
    rt.validate_immediate_caller_accept_any()
    operator = rt.caller
    to = rt.resolve_address(params.to)
    if to is None:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT, f"to must be an ID address: cannot resolve {params.to}"
        )

    def update(state: DatacapState) -> tuple[DatacapState, ReceiverHook]:
        _check_transfer_allowed(state, params.from_, to, to == state.governor)
        new_token, hook = _token(rt).transfer_from(
            state.token, operator, params.from_, to, params.amount, params.operator_data
        )
        return replace(state, token=new_token), hook

    hook = rt.transaction(DatacapState, update)
    recipient_data = _call_hook(rt, hook)
    state = rt.state(DatacapState)
    token = _token(rt)
    return TransferFromReturn(
        token.balance_of(state.token, params.from_),
        token.balance_of(state.token, to),
        token.allowance(state.token, params.from_, operator),
        recipient_data,
    ).encode()


def _check_transfer_allowed(state: DatacapState, from_: Address, to: Address, allowed: bool) -> None:
    if not allowed:
        raise ActorError(
            ExitCode.USR_FORBIDDEN,
            f"transfer not allowed from {from_} to {to} (governor is {state.governor})",
        )


def increase_allowance(rt: Runtime, raw: bytes) -> bytes:
    """Raise ``operator``'s allowance over the caller's balance."""
    params = decode_params(raw, IncreaseAllowanceParams.from_ipld, "datacap IncreaseAllowance")
    rt.validate_immediate_caller_accept_any()
    owner = rt.caller

    def update(state: DatacapState) -> tuple[DatacapState, TokenAmount]:
        new_token, new_allowance = _token(rt).increase_allowance(
            state.token, owner, params.operator, params.increase
        )
        return replace(state, token=new_token), new_allowance

    return IncreaseAllowanceReturn(rt.transaction(DatacapState, update)).encode()


def decrease_allowance(rt: Runtime, raw: bytes) -> bytes:
    """Lower ``operator``'s allowance over the caller's balance (to no less than zero)."""
    params = decode_params(raw, DecreaseAllowanceParams.from_ipld, "datacap DecreaseAllowance")
    rt.validate_immediate_caller_accept_any()
    owner = rt.caller

    def update(state: DatacapState) -> tuple[DatacapState, TokenAmount]:
        new_token, new_allowance = _token(rt).decrease_allowance(
            state.token, owner, params.operator, params.decrease
        )
        return replace(state, token=new_token), new_allowance

    return DecreaseAllowanceReturn(rt.transaction(DatacapState, update)).encode()


def revoke_allowance(rt: Runtime, raw: bytes) -> bytes:
    """Remove ``operator``'s allowance over the caller's balance; returns what it was."""
    params = decode_params(raw, RevokeAllowanceParams.from_ipld, "datacap RevokeAllowance")
    rt.validate_immediate_caller_accept_any()
    owner = rt.caller

    def update(state: DatacapState) -> tuple[DatacapState, TokenAmount]:
        new_token, old_allowance = _token(rt).revoke_allowance(state.token, owner, params.operator)
        return replace(state, token=new_token), old_allowance

    return RevokeAllowanceReturn(rt.transaction(DatacapState, update)).encode()


def burn(rt: Runtime, raw: bytes) -> bytes:
    """Burn ``amount`` of the caller's own balance."""
    params = decode_params(raw, BurnParams.from_ipld, "datacap Burn")
    rt.validate_immediate_caller_accept_any()
    owner = rt.caller

    def update(state: DatacapState) -> tuple[DatacapState, TokenAmount]:
        new_token, new_balance = _token(rt).burn(state.token, owner, params.amount)
        return replace(state, token=new_token), new_balance

    return BurnReturn(rt.transaction(DatacapState, update)).encode()


def burn_from(rt: Runtime, raw: bytes) -> bytes:
    """The caller, as operator, burns ``amount`` of ``owner``'s balance out of its allowance."""
    params = decode_params(raw, BurnFromParams.from_ipld, "datacap BurnFrom")
    rt.validate_immediate_caller_accept_any()
    operator = rt.caller

    def update(state: DatacapState) -> tuple[DatacapState, BurnFromReturn]:
        new_token, new_balance, new_allowance = _token(rt).burn_from(
            state.token, operator, params.owner, params.amount
        )
        return replace(state, token=new_token), BurnFromReturn(new_balance, new_allowance)

    return rt.transaction(DatacapState, update).encode()


ACTOR = ActorCode(
    manifest.DATACAP,
    {
        Method.CONSTRUCTOR: constructor,
        Method.MINT_EXPORTED: mint,
        Method.DESTROY_EXPORTED: destroy,
        Method.NAME_EXPORTED: name,
        Method.SYMBOL_EXPORTED: symbol,
        Method.GRANULARITY_EXPORTED: granularity,
        Method.TOTAL_SUPPLY_EXPORTED: total_supply,
        Method.BALANCE_EXPORTED: balance,
        Method.TRANSFER_EXPORTED: transfer,
        Method.TRANSFER_FROM_EXPORTED: transfer_from,
        Method.INCREASE_ALLOWANCE_EXPORTED: increase_allowance,
        Method.DECREASE_ALLOWANCE_EXPORTED: decrease_allowance,
        Method.REVOKE_ALLOWANCE_EXPORTED: revoke_allowance,
        Method.BURN_EXPORTED: burn,
        Method.BURN_FROM_EXPORTED: burn_from,
        Method.ALLOWANCE_EXPORTED: allowance,
    },
)
