"""Why the message pool refused a message: one class per Lotus ``messagepool`` sentinel error."""

from __future__ import annotations

from filnet.errors import FilnetError, InvalidInput


class MpoolError(FilnetError):
    """Root of the message pool's refusals."""


class ErrMessageTooBig(MpoolError, InvalidInput):
    """The signed message is larger than the pool accepts (64 KiB)."""


class ErrMessageValueTooHigh(MpoolError, InvalidInput):
    """The message sends more FIL than will ever exist."""


class ErrInvalidMessage(MpoolError, InvalidInput):
    """The message would never be valid in a block (bad syntax, gas limit out of bounds)."""


class ErrInvalidSignature(MpoolError, InvalidInput):
    """The signature does not verify for the sender."""


class ErrNonceTooLow(MpoolError):
    """The nonce is below the sender's next nonce in state."""


class ErrGasFeeCapTooLow(MpoolError):
    """The fee cap is below the network's minimum base fee."""


class ErrNotEnoughFunds(MpoolError):
    """The sender's balance does not cover the message's gas (fee cap × gas limit)."""


class ErrInvalidToAddr(MpoolError, InvalidInput):
    """The recipient address is undefined."""


class ErrSoftValidationFailure(MpoolError):
    """A check that may pass later (state lookup failed, fee cap too low for now, pending funds)."""


class ErrRBFTooLowPremium(MpoolError):
    """A replacement for a pending nonce whose premium is below the replace-by-fee minimum."""


class ErrTooManyPendingMessages(MpoolError):
    """The sender has as many pending messages as it is allowed."""


class ErrNonceGap(MpoolError):
    """The nonce leaves a gap after the sender's pending messages larger than allowed."""


class ErrExistingNonce(MpoolError):
    """The very same message is already pending."""


class ErrInvalidSender(MpoolError):
    """The sender is not an account that may send top-level messages, or cannot be resolved."""


class ErrOutOfGas(MpoolError):
    """Gas estimation ran the message out of gas at the block gas limit."""


class ErrExecutionReverted(MpoolError):
    """Gas estimation applied the message and it failed with a non-zero exit code."""

    def __init__(self, message: str, exit_code: int) -> None:
        self.exit_code = exit_code
        super().__init__(message)
