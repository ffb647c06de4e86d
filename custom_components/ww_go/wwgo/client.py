"""Async client of the WW Go actions API, on an injected aiohttp session."""

from collections.abc import Iterable, Mapping
from http import HTTPStatus
import json
import math
from typing import Any, Final

import aiohttp
from yarl import URL

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
# The device keeps only its 40 newest statuses: asking for more IDs at once cannot help.
MAX_IDS_PER_REQUEST: Final = 40
DEFAULT_TIMEOUT: Final = 10.0

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


def base_url(host: str) -> URL:
    """Make the device's base URL from `host`, `host:port` or `http(s)://host[:port]`."""
    text = host.strip()
    try:
        url = URL(text if "://" in text else f"http://{text}")
        port = url.port
    except ValueError as err:
        raise ValueError(f"not a device address: {host!r}") from err
    if (
        url.scheme not in ("http", "https")
        or not url.host
        or " " in url.host
        or not port
        or url.path not in ("", "/")
        or url.query_string
        or url.fragment
        or url.user is not None
        or url.password is not None
    ):
        raise ValueError(f"not a device address: {host!r}")
    return url.with_path("")


def _retry_after(headers: Mapping[str, str]) -> float | None:
    try:
        return max(0.0, float(headers["Retry-After"]))
    except KeyError, ValueError:
        return None


def _ids_from_location(location: str) -> tuple[int, ...]:
    ids = URL(location).query.get("id", "")
    return tuple(int(part) for part in ids.split(",") if part.strip())


def _str_or_none(value: object) -> str | None:
    """A usable ID or name: a non-empty string or an integer (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value) or None


# What an action list may say for "disabled".
DISABLED: Final = frozenset({"false", "0", "no", "off"})


def _enabled(value: object) -> bool:
    return str(value).lower() not in DISABLED


def _request_count(item: Mapping[str, Any]) -> int | None:
    """How many status IDs a call takes: the enabled requests, when they are listed."""
    requests = item.get("requests")
    if isinstance(requests, list):
        return sum(
            1
            for request in requests
            if not isinstance(request, Mapping)
            or _enabled(request.get("enable", request.get("enabled", True)))
        )
    count = item.get("request_count")
    return count if isinstance(count, int) and not isinstance(count, bool) else None


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


def parse_action_list(body: object) -> ActionList:
    """Parse the action list tolerantly: a list, an object holding one, or an object keyed by ID."""
    device_id = device_name = None
    items: Iterable[tuple[object, str | None]]
    if isinstance(body, list):
        items = ((item, None) for item in body)
    elif isinstance(body, Mapping):
        device_id = _str_or_none(body.get("device_id", body.get("serial", body.get("mac"))))
        device_name = _str_or_none(body.get("device_name", body.get("hostname")))
        lists = [value for value in body.values() if isinstance(value, list)]
        listed = (
            body["actions"] if isinstance(body.get("actions"), list) else next(iter(lists), None)
        )
        if listed is not None:
            items = ((item, None) for item in listed)
        else:
            items = ((value, str(key)) for key, value in body.items() if isinstance(value, Mapping))
    else:
        raise WwGoInvalidResponseError("the action list is neither a list nor an object")
    actions = [action for item, key in items if (action := _parse_action(item, key)) is not None]
    unique = {action.id: action for action in actions}
    return ActionList(tuple(unique.values()), device_id=device_id, device_name=device_name)


def parse_statuses(body: object) -> list[RequestStatus]:
    """Parse a status answer: an array of entries with action_id, id, code and exe_time."""
    if not isinstance(body, list):
        raise WwGoInvalidResponseError("the status answer is not an array")
    try:
        statuses = [
            RequestStatus(
                action_id=_required_id(entry["action_id"]),
                id=int(entry["id"]),
                code=int(entry["code"]),
                exe_time=float(entry["exe_time"]),
            )
            for entry in body
        ]
    except (KeyError, TypeError, ValueError, OverflowError) as err:
        raise WwGoInvalidResponseError(f"a status entry is malformed: {err!r}") from err
    if not all(math.isfinite(status.exe_time) for status in statuses):
        raise WwGoInvalidResponseError("a status entry has no finite execution time")
    return statuses


def _required_id(value: object) -> str:
    if (text := _str_or_none(value)) is None:
        raise ValueError(f"not an action ID: {value!r}")
    return text


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

    async def _request(
        self, method: str, path: str, params: Mapping[str, str], errors: ErrorTable
    ) -> tuple[int, Mapping[str, str], Any]:
        """Send one request; return the status, headers and parsed JSON body (None when empty)."""
        url = self.base_url.with_path(path).with_query(params)
        try:
            async with self._session.request(
                method, url, headers=self._headers, ssl=self._ssl, timeout=self._timeout
            ) as response:
                status = response.status
                headers = response.headers
                raw = await response.read()
        except TimeoutError as err:
            raise WwGoTimeoutError(f"{self.base_url.host} did not answer in time") from err
        except aiohttp.ClientError as err:
            raise WwGoConnectionError(f"cannot reach {self.base_url.host}: {err}") from err
        if status >= HTTPStatus.BAD_REQUEST:
            error = errors.get(status, WwGoDeviceError)
            message = f"{method} {path} answered {status}"
            if error is WwGoDeviceBusyError:
                raise WwGoDeviceBusyError(message, status=status, retry_after=_retry_after(headers))
            raise error(message, status=status)
        try:
            text = raw.decode()
        except UnicodeDecodeError as err:
            raise WwGoInvalidResponseError(f"{method} {path} answered non-UTF-8 text") from err
        if not text.strip():
            return status, headers, None
        try:
            return status, headers, json.loads(text)
        except ValueError as err:
            raise WwGoInvalidResponseError(
                f"{method} {path} answered invalid JSON", status=status
            ) from err

    async def call(self, action_id: str) -> tuple[int, ...]:
        """Queue a run of the action; return its status IDs, one per request."""
        status, headers, body = await self._request(
            "POST", CALL_PATH, {"id": action_id}, CALL_ERRORS
        )
        ids: tuple[int, ...] = ()
        try:
            if isinstance(body, Mapping) and isinstance(body.get("status_ids"), list):
                ids = tuple(int(value) for value in body["status_ids"])
            elif location := headers.get("Location"):
                ids = _ids_from_location(location)
        except (TypeError, ValueError, OverflowError) as err:
            raise WwGoInvalidResponseError("the status IDs are not numbers", status=status) from err
        if not ids:
            raise WwGoInvalidResponseError(
                "the call was answered without status IDs", status=status
            )
        return ids

    async def statuses(self, ids: Iterable[int]) -> dict[int, RequestStatus]:
        """Read these IDs' statuses, 40 per request; IDs the device no longer holds are absent."""
        wanted = sorted(set(ids))
        found: dict[int, RequestStatus] = {}
        for start in range(0, len(wanted), MAX_IDS_PER_REQUEST):
            chunk = wanted[start : start + MAX_IDS_PER_REQUEST]
            query = {"id": ",".join(map(str, chunk))}
            _, _, body = await self._request("GET", STATUS_PATH, query, COMMON_ERRORS)
            found.update((entry.id, entry) for entry in parse_statuses(body) if entry.id in chunk)
        return found

    async def actions(self) -> ActionList:
        """Read the action definitions; WwGoNotSupportedError when the device has no list."""
        _, _, body = await self._request("GET", ACTIONS_PATH, {}, ACTIONS_ERRORS)
        return parse_action_list(body)
