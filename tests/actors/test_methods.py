"""Method numbers: Filecoin's numbering, with FRC-42 numbers for exported methods."""

from __future__ import annotations

from filnet.actors.account.methods import Method as AccountMethod
from filnet.actors.init.methods import Method as InitMethod
from filnet.actors.multisig.methods import Method as MultisigMethod
from filnet.actors.paych.methods import Method as PaychMethod
from filnet.actors.reward.methods import Method as RewardMethod


def test_method_numbers() -> None:
    assert (InitMethod.EXEC, InitMethod.EXEC4) == (2, 3)
    assert AccountMethod.AUTHENTICATE_MESSAGE_EXPORTED == 2643134072
    assert MultisigMethod.LOCK_BALANCE == 9 and MultisigMethod.UNIVERSAL_RECEIVER_HOOK == 3726118371
    assert [m.value for m in PaychMethod] == [1, 2, 3, 4]
    assert RewardMethod.THIS_EPOCH_REWARD == 3
