"""Result codes: every code of the documentation's tables maps to an outcome and a description."""

import pytest

from custom_components.ww_go.wwgo import MODBUS_DESCRIPTIONS, RunState, describe, request_state

# (code, exe_time, state, description): the documentation's tables, row by row.
DOCUMENTED = [
    (-1, 0.0, RunState.RUNNING, "Running"),
    (0, 0.0, RunState.RUNNING, "Running"),
    (1, 0.2, RunState.SUCCESS, "Success"),
    (200, 0.133, RunState.SUCCESS, "OK"),
    (204, 0.1, RunState.SUCCESS, "No Content"),
    (299, 0.1, RunState.SUCCESS, "HTTP 299"),
    (400, 0.1, RunState.FAILURE, "Bad Request"),
    (404, 1.205, RunState.FAILURE, "Not Found"),
    (500, 0.1, RunState.FAILURE, "Internal Server Error"),
    (-1, 0.5, RunState.FAILURE, "Generic issue"),
    (0, 0.5, RunState.FAILURE, "Network/connection issue"),
    (-20, 0.5, RunState.FAILURE, "Network/connection issue"),
    (-16, 0.1, RunState.FAILURE, "Cannot resolve host"),
    (-17, 0.1, RunState.FAILURE, "Cannot connect"),
    (-19, 0.1, RunState.FAILURE, "Cannot create connection"),
    (-2, 0.1, RunState.FAILURE, "Response packet too long"),
    (-3, 1.0, RunState.FAILURE, "Response receive timeout"),
    (-4, 0.1, RunState.FAILURE, "Response receive error"),
    (-5, 0.1, RunState.FAILURE, "Invalid PDU length in response"),
    (-7, 0.1, RunState.FAILURE, "Request sent error"),
    (-8, 0.1, RunState.FAILURE, "Invalid response header"),
    (-9, 0.1, RunState.FAILURE, "Transaction ID mismatch"),
    (-10, 0.1, RunState.FAILURE, "Function mismatch"),
    (-12, 0.1, RunState.FAILURE, "Unit ID mismatch"),
    (-13, 0.1, RunState.FAILURE, "Response frame too short"),
    (-14, 0.1, RunState.FAILURE, "Response body mismatch"),
    (-15, 0.1, RunState.FAILURE, "Cannot process response"),
    (-101, 0.1, RunState.FAILURE, "Illegal function"),
    (-102, 0.1, RunState.FAILURE, "Illegal data address"),
    (-103, 0.1, RunState.FAILURE, "Illegal data value"),
    (-104, 0.3, RunState.FAILURE, "Slave device failure"),
    (-105, 0.1, RunState.FAILURE, "Acknowledge"),
    (-106, 0.1, RunState.FAILURE, "Slave device busy"),
    (-107, 0.1, RunState.FAILURE, "Negative acknowledge"),
    (-108, 0.1, RunState.FAILURE, "Memory parity error"),
    (-110, 0.1, RunState.FAILURE, "Gateway path unavailable"),
    (-111, 0.1, RunState.FAILURE, "Gateway target device failed to respond"),
    (302, 0.1, RunState.FAILURE, "Found"),
    (700, 0.1, RunState.FAILURE, "HTTP 700"),
]


@pytest.mark.parametrize(("code", "exe_time", "state", "description"), DOCUMENTED)
def test_documented_codes(code: int, exe_time: float, state: RunState, description: str) -> None:
    assert request_state(code, exe_time) is state
    assert describe(code, exe_time) == description


def test_every_modbus_code_is_covered() -> None:
    """No Modbus table row is left without a test row."""
    tested = {code for code, exe_time, _, _ in DOCUMENTED if exe_time > 0}
    assert set(MODBUS_DESCRIPTIONS) <= tested


def test_running_only_while_no_execution_time() -> None:
    assert request_state(-1, 0.001).final
    assert request_state(-1, 0.001) is RunState.FAILURE
    assert not RunState.RUNNING.final
