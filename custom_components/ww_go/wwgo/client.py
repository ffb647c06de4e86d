"""Async client of the WW Go actions API, on an injected aiohttp session.

Every byte from the device is untrusted. `WwGoClient._request` is the one place an answer's body is
read: bounded in size, decoded by `decode_body` and handed to one parse function (`parse.py`).
"""

import base64
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
import functools
from http import HTTPStatus
from itertools import batched
import math
from typing import Final

import aiohttp

from .address import base_url

# The device keeps only its STATUS_WINDOW newest statuses: asking for more IDs at once cannot help.
from .codes import STATUS_WINDOW
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
from .models import ActionList, RequestStatus
from .parse import (
    MAX_BODY_BYTES,
    decode_body,
    parse_action_list,
    parse_status_ids,
    parse_statuses,
)

CALL_PATH: Final = "/api/v1/actions/call"
STATUS_PATH: Final = "/api/v1/actions/status"
ACTIONS_PATH: Final = "/api/v1/actions"
# What each endpoint is called in `WwGoClient.sent`.
ENDPOINTS: Final = {CALL_PATH: "call", STATUS_PATH: "status", ACTIONS_PATH: "actions"}
DEFAULT_TIMEOUT: Final = 10.0

_READ_CHUNK: Final = 1 << 16
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


def _basic_auth(username: str, password: str | None) -> str:
    """HTTP Basic credentials in UTF-8 (RFC 7617), as every aiohttp release can send them."""
    token = base64.b64encode(f"{username}:{password or ''}".encode()).decode("ascii")
    return f"Basic {token}"


def _error_of_status(
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
        self._headers = {"Authorization": _basic_auth(username, password)} if username else {}
        self._ssl = verify_ssl
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        # The requests sent, by endpoint ("call", "status", "actions").
        self.sent: Counter[str] = Counter()

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
        self.sent[ENDPOINTS[path]] += 1
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
                    raise _error_of_status(method, path, status, headers, errors)
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
