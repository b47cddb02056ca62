"""Exit codes keep Filecoin's numbers."""

from __future__ import annotations

from filnet.errors import FilnetError
from filnet.vm.exit_codes import FIRST_USER_EXIT_CODE, ActorError, ExitCode


def test_numbers_match_filecoin() -> None:
    assert ExitCode.SYS_SENDER_INVALID == 1 and ExitCode.SYS_SENDER_STATE_INVALID == 2
    assert ExitCode.SYS_INVALID_RECEIVER == 5 and ExitCode.SYS_INSUFFICIENT_FUNDS == 6
    assert ExitCode.SYS_OUT_OF_GAS == 7 and ExitCode.SYS_ILLEGAL_EXIT_CODE == 9
    assert ExitCode.USR_ILLEGAL_ARGUMENT == FIRST_USER_EXIT_CODE == 16
    assert ExitCode.USR_UNHANDLED_MESSAGE == 22 and ExitCode.USR_ASSERTION_FAILED == 24
    assert 3 not in {int(c) for c in ExitCode} and 8 not in {int(c) for c in ExitCode}


def test_classification_and_errors() -> None:
    assert ExitCode.OK.is_success and ExitCode.OK.is_system
    assert ExitCode.SYS_OUT_OF_GAS.is_system and not ExitCode.USR_FORBIDDEN.is_system
    error = ActorError(ExitCode.USR_FORBIDDEN, "caller f0100 is not a signer")
    assert isinstance(error, FilnetError) and error.exit_code is ExitCode.USR_FORBIDDEN
    assert str(error) == "USR_FORBIDDEN (18): caller f0100 is not a signer"
