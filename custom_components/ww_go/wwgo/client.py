"""Async client of the WW Go actions API, on an injected aiohttp session.

Every byte from the device is untrusted. `WwGoClient._request` is the one place an answer's body is
read: bounded in size, decoded by `decode_body` and handed to one parse function. The parse
functions check every value where it enters, and whatever they cannot make sense of, whatever they
raise on odd input, is a `WwGoInvalidResponseError`, never another exception.
"""

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
import functools
from http import HTTPStatus
from itertools import batched
import json
import math
import re
import reprlib
from typing import Any, Final, NoReturn

import aiohttp
from yarl import URL

# The device keeps only its STATUS_WINDOW newest statuses: asking for more IDs at once cannot help,
# and a run of more requests could never be read.
from .codes import RESULT_CODES, STATUS_WINDOW
from .errors import (
    WwGoActionDisabledError,
    WwGoActionNotFoundError,
    WwGoActionRunningError,
    WwGoAuthenticationError,
    WwGoConnectionError,
    WwGoDeviceBusyError,
    WwGoDeviceError,
    WwGoError,
    WwGoInvalidResponseError,
    WwGoNotSupportedError,
    WwGoTimeoutError,
)
from .models import ActionDefinition, ActionList, RequestStatus

CALL_PATH: Final = "/api/v1/actions/call"
STATUS_PATH: Final = "/api/v1/actions/status"
ACTIONS_PATH: Final = "/api/v1/actions"
DEFAULT_TIMEOUT: Final = 10.0

# Bounds of what an answer may be. Real answers are a few KiB and a few levels deep.
MAX_BODY_BYTES: Final = 1 << 20
MAX_JSON_DEPTH: Final = 32
_READ_CHUNK: Final = 1 << 16
# The documentation's `uint` status ID, as the firmware's 32-bit counter.
STATUS_IDS: Final = range(2**32)
# A request's execution time: at most a day, so that a run's sum over 40 requests stays finite.
MAX_EXECUTION_TIME: Final = 86_400.0
# Retry-After beyond an hour is no advice a caller can follow.
MAX_RETRY_AFTER: Final = 3_600.0

# What an HTTP status means, per endpoint; 5xx is a device error everywhere.
type ErrorTable = Mapping[int, type[WwGoError]]
COMMON_ERRORS: Final[ErrorTable] = {
    HTTPStatus.UNAUTHORIZED: WwGoAuthenticationError,
    HTTPStatus.FORBIDDEN: WwGoAuthenticationError,
    HTTPStatus.TOO_MANY_REQUESTS: WwGoDeviceBusyError,
}
CALL_ERRORS: Final[ErrorTable] = {
    **COMMON_ERRORS,
    HTTPStatus.BAD_REQUEST: WwGoActionDisabledError,
    HTTPStatus.NOT_FOUND: WwGoActionNotFoundError,
    HTTPStatus.CONFLICT: WwGoActionRunningError,
}
ACTIONS_ERRORS: Final[ErrorTable] = {
    **COMMON_ERRORS,
    HTTPStatus.NOT_FOUND: WwGoNotSupportedError,
}

# Addresses

_DEFAULT_PORTS: Final = {"http": 80, "https": 443}


def base_url(host: str) -> URL:
    """Make the device's base URL from `host`, `host:port` or `http(s)://host[:port]`.

    One address has one URL: the host lower-cased, the scheme's default port left out.

    Raises ValueError for anything else: an empty host, whitespace or control characters inside
    (after leading and trailing spaces are stripped), a port outside 1-65535, another scheme, a
    path, query or fragment, credentials.
    """
    text = host.strip()
    # isprintable() is False for control, format and separator characters except the space.
    if not text or not text.isprintable() or " " in text:
        raise ValueError(f"not a device address: {host!r}")
    try:
        url = URL(text if "://" in text else f"http://{text}")
        port = url.port
    except ValueError as err:
        raise ValueError(f"not a device address: {host!r}") from err
    if (
        url.scheme not in _DEFAULT_PORTS
        or not url.host
        # International names are normalized (NFKC): what they become must be a host name too.
        or not url.host.isprintable()
        or " " in url.host
        or not port
        or url.path not in ("", "/")
        or url.query_string
        or url.fragment
        or url.user is not None
        or url.password is not None
    ):
        raise ValueError(f"not a device address: {host!r}")
    # Without the scheme's default port, so that one address has one URL.
    return url.with_path("").with_port(None if port == _DEFAULT_PORTS[url.scheme] else port)


def normalize_host(host: str) -> str:
    """The canonical text of a device address, as a config entry stores it.

    `host[:port]` for http, `https://host[:port]` for https: the host lower-cased, an IPv6 address
    in brackets, the scheme's default port (80, 443) left out. Raises ValueError as `base_url`.
    """
    url = base_url(host)
    name = url.host or ""
    if ":" in name:
        name = f"[{name}]"
    if url.explicit_port is not None:  # base_url leaves the default port out
        name = f"{name}:{url.explicit_port}"
    return name if url.scheme == "http" else f"https://{name}"


# Parsing: whatever a parser raises on odd input becomes WwGoInvalidResponseError, here only.

_PARSE_ERRORS: Final = (ValueError, TypeError, LookupError, OverflowError, RecursionError)


def _parser[**P, T](parse: Callable[P, T]) -> Callable[P, T]:
    @functools.wraps(parse)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return parse(*args, **kwargs)
        except _PARSE_ERRORS as err:
            message = f"{type(err).__name__}: {str(err)[:200]}"
            raise WwGoInvalidResponseError(f"{parse.__name__}: {message}") from err

    return guarded


def _invalid(what: str, value: object) -> WwGoInvalidResponseError:
    # reprlib: a bounded repr, whatever the size or nesting of the value.
    return WwGoInvalidResponseError(f"{what}: {reprlib.repr(value)}")


def _not_json(constant: str) -> NoReturn:
    raise ValueError(f"{constant} is not JSON")


def _containers(value: object) -> Iterator[object]:
    """The lists and objects directly inside a JSON value."""
    match value:
        case dict():
            children: Iterable[object] = value.values()
        case list():
            children = value
        case _:
            children = ()
    return (child for child in children if isinstance(child, list | dict))


@_parser
def decode_body(raw: bytes) -> object:
    """The JSON value of an answer's body; None when the body is blank.

    WwGoInvalidResponseError when it is larger than MAX_BODY_BYTES, not UTF-8, not JSON (NaN and
    Infinity are not), or nested deeper than MAX_JSON_DEPTH.
    """
    if len(raw) > MAX_BODY_BYTES:
        raise WwGoInvalidResponseError(f"the answer is larger than {MAX_BODY_BYTES} bytes")
    text = raw.decode()
    if not text.strip():
        return None
    # Too deep for the decoder's stack is a RecursionError: _parser makes it an answer error.
    value: object = json.loads(text, parse_constant=_not_json)
    level = [value]
    for _ in range(MAX_JSON_DEPTH):
        level = [child for item in level for child in _containers(item)]
        if not level:
            return value
    raise WwGoInvalidResponseError(f"the answer is nested deeper than {MAX_JSON_DEPTH} levels")


_DECIMAL: Final = re.compile(r"-?[0-9]{1,20}")
_NUMBER: Final = re.compile(r"-?[0-9]{1,20}(\.[0-9]{1,20})?([eE][-+]?[0-9]{1,3})?")


def _integer(value: object, valid: range, what: str) -> int:
    """An integer within `valid`: a JSON integer, a whole number, or decimal digits (not a bool)."""
    number: int | None = None
    match value:
        case bool():
            pass
        case int():
            number = value
        case float() if value.is_integer():
            number = int(value)
        case str() if _DECIMAL.fullmatch(value):
            number = int(value)
    if number is None or number not in valid:
        raise _invalid(f"{what} is not an integer in {valid.start}..{valid.stop - 1}", value)
    return number


def _status_id(value: object) -> int:
    return _integer(value, STATUS_IDS, "a status ID")


def _execution_time(value: object) -> float:
    """Seconds: a number or decimal text, finite, 0..MAX_EXECUTION_TIME (not a bool)."""
    seconds: float | None = None
    match value:
        case bool():
            pass
        case int() | float():
            seconds = value
        case str() if _NUMBER.fullmatch(value):
            seconds = float(value)
    # Comparisons refuse NaN too, and compare huge integers exactly.
    if seconds is None or not 0 <= seconds <= MAX_EXECUTION_TIME:
        raise _invalid(f"an execution time is not 0..{MAX_EXECUTION_TIME:.0f} s", value)
    return abs(float(seconds))  # abs: -0.0 is shown as 0.0


def _str_or_none(value: object) -> str | None:
    """A usable ID or name: a non-empty string or an integer (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value) or None


def _action_id(value: object) -> str:
    if (text := _str_or_none(value)) is None:
        raise _invalid("not an action ID", value)
    return text


# Calls


@_parser
def parse_status_ids(body: object, location: str | None = None) -> tuple[int, ...]:
    """The status IDs of a call's answer: its JSON `status_ids` when a list, else its Location.

    Each is an integer in STATUS_IDS (decimal text counts, a bool does not); duplicates are dropped,
    the order kept. WwGoInvalidResponseError unless there are 1..STATUS_WINDOW of them.
    """
    values: Iterable[object] = ()
    if isinstance(body, Mapping) and isinstance(body.get("status_ids"), list):
        values = body["status_ids"]
    elif location:
        parts = URL(location).query.get("id", "").split(",")
        values = (part.strip() for part in parts if part.strip())
    ids = tuple(dict.fromkeys(_status_id(value) for value in values))
    if not 1 <= len(ids) <= STATUS_WINDOW:
        raise WwGoInvalidResponseError(
            f"the call was answered with {len(ids)} status IDs, not 1..{STATUS_WINDOW}"
        )
    return ids


# Statuses


@_parser
def parse_statuses(body: object, asked: Collection[int] | None = None) -> dict[int, RequestStatus]:
    """Read a status answer: an array of entries with action_id, id, code and exe_time.

    Returns the entries by status ID, in the answer's order. With `asked`, entries of other IDs
    are left out (only their ID is read). Each value is checked: the status ID in STATUS_IDS, the
    result code in RESULT_CODES (whole numbers and decimal text count, bools do not), the
    execution time finite in 0..MAX_EXECUTION_TIME, the action ID a non-empty string or integer.
    An ID may appear twice when both entries say the same; entries of one ID that disagree make
    the answer invalid, as nothing tells which one is true.
    """
    if not isinstance(body, list):
        raise _invalid("the status answer is not an array", body)
    found: dict[int, RequestStatus] = {}
    for entry in body:
        if not isinstance(entry, Mapping):
            raise _invalid("a status entry is not an object", entry)
        status_id = _status_id(entry.get("id"))
        if asked is not None and status_id not in asked:
            continue
        status = RequestStatus(
            action_id=_action_id(entry.get("action_id")),
            id=status_id,
            code=_integer(entry.get("code"), RESULT_CODES, "a result code"),
            exe_time=_execution_time(entry.get("exe_time")),
        )
        if found.setdefault(status_id, status) != status:
            raise WwGoInvalidResponseError(f"status ID {status_id} has two different entries")
    return found


# The action list

# What an action list may say for "disabled".
DISABLED: Final = frozenset({"false", "0", "no", "off"})
# The keys an action definition is read from: an object keyed by ID counts only with these.
ACTION_KEYS: Final = frozenset(
    {"id", "action_id", "name", "title", "requests", "enable", "enabled", "request_count"}
)
# Keys of an error answer (200 with {"error": ...}), never an action list.
ERROR_KEYS: Final = frozenset({"error", "errors"})
# Where a device may describe itself beside its actions: per field of ActionList, the keys it is
# read from, the first found winning.
DESCRIPTION_KEYS: Final[Mapping[str, tuple[str, ...]]] = {
    "device_id": ("device_id", "serial", "serial_number", "mac"),
    "device_name": ("device_name", "hostname"),
    "model": ("model",),
    "firmware": ("firmware", "firmware_version", "fw_version", "sw_version"),
    "serial": ("serial", "serial_number"),
}
# An object of these keys alone lists no actions.
DEVICE_KEYS: Final = frozenset(key for keys in DESCRIPTION_KEYS.values() for key in keys)


def _enabled(value: object) -> bool:
    # Only scalars can say "disabled"; their text is short.
    return not isinstance(value, str | int | float) or str(value).lower() not in DISABLED


def _request_count(item: Mapping[str, Any]) -> int | None:
    """How many status IDs a call takes: the enabled requests, when they are listed."""
    requests = item.get("requests")
    if isinstance(requests, list):
        count = sum(
            1
            for request in requests
            if not isinstance(request, Mapping)
            or _enabled(request.get("enable", request.get("enabled", True)))
        )
    else:
        match item.get("request_count"):
            case bool() | None:
                return None
            case int() as count:
                pass
            case _:
                return None
    # A call of more requests than one status read can hold is no count a device can mean.
    return count if 0 <= count <= STATUS_WINDOW else None


def _parse_action(item: object, fallback_id: str | None = None) -> ActionDefinition | None:
    """Read one action definition, whatever reasonable shape it has; None when it has no ID."""
    if not isinstance(item, Mapping):
        if (action_id := _str_or_none(item)) is not None:
            return ActionDefinition(id=action_id)
        return None
    action_id = _str_or_none(item.get("id", item.get("action_id"))) or fallback_id
    if action_id is None:
        return None
    return ActionDefinition(
        id=action_id,
        name=_str_or_none(item.get("name", item.get("title"))),
        enabled=_enabled(item.get("enable", item.get("enabled", True))),
        request_count=_request_count(item),
    )


def _listed_items(body: Mapping[str, Any]) -> Iterable[tuple[object, str | None]]:
    """The action entries of an object: its `actions` list, another list, or values keyed by ID."""
    if isinstance(body.get("actions"), list):
        return ((item, None) for item in body["actions"])
    if not ERROR_KEYS.isdisjoint(body):
        raise _invalid("the action list is an error answer", body)
    lists = [value for value in body.values() if isinstance(value, list)]
    if lists:
        return ((item, None) for item in lists[0])
    keyed = [
        (value, _str_or_none(key))
        for key, value in body.items()
        if isinstance(value, Mapping) and not ACTION_KEYS.isdisjoint(value)
    ]
    if keyed or body.keys() <= DEVICE_KEYS:
        return keyed
    raise _invalid("the answer holds no action list", body)


@_parser
def parse_action_list(body: object) -> ActionList:
    """Parse the action list tolerantly: a list, an object holding one, or an object keyed by ID.

    An object keyed by ID counts only with values that look like action definitions (a key of
    ACTION_KEYS). WwGoInvalidResponseError for an answer that holds no action list: an error answer
    (a key of ERROR_KEYS without an `actions` list), or an object of other keys only. An empty list,
    `{"actions": []}`, and an object of the device's own description only list no actions. Entries
    without an ID are left out; of duplicates the last definition wins.
    """
    description: dict[str, str | None] = {}
    items: Iterable[tuple[object, str | None]]
    if isinstance(body, list):
        items = ((item, None) for item in body)
    elif isinstance(body, Mapping):
        description = {
            field: next(
                (text for key in keys if (text := _str_or_none(body.get(key))) is not None), None
            )
            for field, keys in DESCRIPTION_KEYS.items()
        }
        items = _listed_items(body)
    else:
        raise _invalid("the action list is neither a list nor an object", body)
    actions = [action for item, key in items if (action := _parse_action(item, key)) is not None]
    unique = {action.id: action for action in actions}
    return ActionList(tuple(unique.values()), **description)


# The client


@dataclass(frozen=True, slots=True)
class _Answer:
    """An answer the device accepted the request with: HTTP status, headers, JSON body."""

    status: int
    headers: Mapping[str, str]
    body: object


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """The Retry-After seconds, within 0..MAX_RETRY_AFTER; None without a finite number."""
    try:
        seconds = float(headers["Retry-After"])
    except KeyError, ValueError:
        return None
    return min(max(0.0, seconds), MAX_RETRY_AFTER) if math.isfinite(seconds) else None


def _refusal(
    method: str, path: str, status: int, headers: Mapping[str, str], errors: ErrorTable
) -> WwGoError:
    error = errors.get(status, WwGoDeviceError)
    message = f"{method} {path} answered {status}"
    if error is WwGoDeviceBusyError:
        return WwGoDeviceBusyError(message, status=status, retry_after=_retry_after(headers))
    return error(message, status=status)


async def _read_body(response: aiohttp.ClientResponse) -> bytes:
    """The body, refused beyond MAX_BODY_BYTES: by its Content-Length, else while it is read."""
    too_large = WwGoInvalidResponseError(
        f"the answer is larger than {MAX_BODY_BYTES} bytes", status=response.status
    )
    if (response.content_length or 0) > MAX_BODY_BYTES:
        raise too_large
    body = bytearray()
    async for chunk in response.content.iter_chunked(_READ_CHUNK):
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise too_large
    return bytes(body)


def _status_ids_of(answer: _Answer) -> tuple[int, ...]:
    return parse_status_ids(answer.body, answer.headers.get("Location"))


def _statuses_of(answer: _Answer, *, asked: Collection[int]) -> dict[int, RequestStatus]:
    return parse_statuses(answer.body, asked)


def _action_list_of(answer: _Answer) -> ActionList:
    return parse_action_list(answer.body)


class WwGoClient:
    """Calls actions and reads their statuses on one WW Go device."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        host: str,
        *,
        username: str | None = None,
        password: str | None = None,
        verify_ssl: bool = True,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """Prepare a client; raises ValueError when host is not a device address."""
        self._session = session
        self.base_url = base_url(host)
        self._headers = (
            {"Authorization": aiohttp.encode_basic_auth(username, password or "")}
            if username
            else {}
        )
        self._ssl = verify_ssl
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def _request[T](
        self,
        method: str,
        path: str,
        params: Mapping[str, str],
        errors: ErrorTable,
        parse: Callable[[_Answer], T],
    ) -> T:
        """Send one request and parse its answer: a typed value or a WwGoError, nothing else."""
        url = self.base_url.with_path(path).with_query(params)
        try:
            # A device does not send us elsewhere: a redirect is an answer we cannot use.
            async with self._session.request(
                method,
                url,
                headers=self._headers,
                ssl=self._ssl,
                timeout=self._timeout,
                allow_redirects=False,
            ) as response:
                status, headers = response.status, response.headers
                if status >= HTTPStatus.MULTIPLE_CHOICES:
                    raise _refusal(method, path, status, headers, errors)
                raw = await _read_body(response)
        except TimeoutError as err:
            raise WwGoTimeoutError(f"{self.base_url.host} did not answer in time") from err
        except aiohttp.ClientError as err:
            raise WwGoConnectionError(f"cannot reach {self.base_url.host}: {err}") from err
        try:
            return parse(_Answer(status, headers, decode_body(raw)))
        except WwGoInvalidResponseError as err:
            raise WwGoInvalidResponseError(
                f"{method} {path} answered {status}: {err}", status=status
            ) from err

    async def call(self, action_id: str) -> tuple[int, ...]:
        """Queue a run of the action; return its status IDs, one per request."""
        return await self._request(
            "POST", CALL_PATH, {"id": action_id}, CALL_ERRORS, _status_ids_of
        )

    async def statuses(self, ids: Iterable[int]) -> dict[int, RequestStatus]:
        """Read these IDs' statuses, 40 per request; IDs the device no longer holds are absent."""
        found: dict[int, RequestStatus] = {}
        for chunk in batched(sorted(set(ids)), STATUS_WINDOW, strict=False):
            query = {"id": ",".join(map(str, chunk))}
            parse = functools.partial(_statuses_of, asked=frozenset(chunk))
            found |= await self._request("GET", STATUS_PATH, query, COMMON_ERRORS, parse)
        return found

    async def actions(self) -> ActionList:
        """Read the action definitions; WwGoNotSupportedError when the device has no list."""
        return await self._request("GET", ACTIONS_PATH, {}, ACTIONS_ERRORS, _action_list_of)
