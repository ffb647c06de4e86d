"""Result codes of action requests, as data tables from the device documentation."""

from enum import StrEnum
from http import HTTPStatus
from typing import Final


class RunState(StrEnum):
    """Where a run stands, or one request of it (running, success or failure)."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCESS = "success"
    FAILURE = "failure"
    EXPIRED = "expired"
    TIMEOUT = "timeout"

    @property
    def final(self) -> bool:
        """Whether the run (or request) has ended."""
        return self not in (RunState.QUEUED, RunState.RUNNING)


# The device keeps its 40 newest statuses: older ones are gone; no status request asks for more.
STATUS_WINDOW: Final = 40

# The status table says -1 means running; the vendor's scripts treat 0 as running. Both only with
# exe_time 0: -1 is also Modbus "generic issue", a final failure once an execution time is reported.
RUNNING_CODES: Final = frozenset({-1, 0})
MODBUS_SUCCESS: Final = 1
HTTP_SUCCESS: Final = range(200, 300)
# A result code is the firmware's int32: anything outside is no answer the device can give.
RESULT_CODES: Final = range(-(2**31), 2**31)

MODBUS_DESCRIPTIONS: Final[dict[int, str]] = {
    1: "Success",
    # Connection issues
    -1: "Generic issue",
    -16: "Cannot resolve host",
    -17: "Cannot connect",
    -19: "Cannot create connection",
    # Protocol issues
    -2: "Response packet too long",
    -3: "Response receive timeout",
    -4: "Response receive error",
    -5: "Invalid PDU length in response",
    -7: "Request sent error",
    -8: "Invalid response header",
    -9: "Transaction ID mismatch",
    -10: "Function mismatch",
    -12: "Unit ID mismatch",
    -13: "Response frame too short",
    -14: "Response body mismatch",
    -15: "Cannot process response",
    # Modbus exceptions (device responses)
    -101: "Illegal function",
    -102: "Illegal data address",
    -103: "Illegal data value",
    -104: "Slave device failure",
    -105: "Acknowledge",
    -106: "Slave device busy",
    -107: "Negative acknowledge",
    -108: "Memory parity error",
    -110: "Gateway path unavailable",
    -111: "Gateway target device failed to respond",
}
NETWORK_ISSUE: Final = "Network/connection issue"
RUNNING: Final = "Running"


def request_state(code: int, exe_time: float) -> RunState:
    """Classify one status entry."""
    if exe_time == 0 and code in RUNNING_CODES:
        return RunState.RUNNING
    if code == MODBUS_SUCCESS or code in HTTP_SUCCESS:
        return RunState.SUCCESS
    return RunState.FAILURE


def describe(code: int, exe_time: float = 1.0) -> str:
    """Describe a result code: Modbus table text, HTTP reason phrase, or a network issue."""
    if request_state(code, exe_time) is RunState.RUNNING:
        return RUNNING
    if (text := MODBUS_DESCRIPTIONS.get(code)) is not None:
        return text
    if code <= 0:
        return NETWORK_ISSUE
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return f"HTTP {code}"
