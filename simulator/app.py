"""The emulated device's HTTP API (aiohttp), plus ``/_sim/`` endpoints to inspect and steer it.

Device API, as the vendor documents it:

- ``POST /api/v1/actions/call?id=<action_id>``: 202 with a ``Location`` header, or with a JSON
  ``{"status_ids": [...]}`` body when the app is made with ``json_status_ids``; 400, 404, 409, 429.
- ``GET /api/v1/actions/status?id=<id>[,<id>...]``: the JSON array of status entries; 429 when
  polled too often.
- ``GET /api/v1/actions``: the action definitions (the shape is this emulator's own; 404 when the
  app is made without ``actions_list``).

With ``auth``, these need HTTP Basic credentials (401 otherwise). The fault switches of
``Device.faults`` apply to them: ``offline`` drops the connection unanswered, ``delay`` waits before
answering, ``server_error`` answers 500, ``malformed_json`` makes the status and the action
list answer 200 with a body that is not JSON (a JSON-form call still runs, and answers 202 with it),
and ``answer`` makes one endpoint (``call``, ``status`` or ``actions``) give a crafted answer: its
HTTP status, raw body text and headers, and nothing else happens (no run, nothing counted).

Emulator control, never behind authentication nor affected by faults:

- ``GET /_sim/stats`` the device's counters, ``DELETE /_sim/stats`` zeroes them;
- ``GET /_sim/faults`` the fault switches; ``POST /_sim/faults`` with a JSON object of any of
  ``offline``, ``delay``, ``malformed_json``, ``server_error`` and ``answer`` sets them
  (``{"answer": {"endpoint": "status", "status": 200, "body": "[]", "headers": {}}}``, status,
  body and headers optional; ``{"answer": null}`` clears it), and ``external_calls: n`` makes
  other clients allocate n status IDs;
- ``POST /_sim/call?id=<action_id>`` runs the action as another client of the device would (its
  web page, a script): 202 with a JSON ``{"status_ids": [...]}`` body, or the device's refusal
  (400, 404, 409, 429 with ``Retry-After``) with a text body. Not counted in the stats.

The app's ``others`` run their actions as other clients from the app's start to its cleanup.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
import math
import re
import secrets
from typing import Any

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler

from .device import Answer, Device, DeviceBusy, DeviceError, Endpoint, RateLimited
from .others import OtherClients
from .scenario import OtherClient

CALL_PATH = "/api/v1/actions/call"
STATUS_PATH = "/api/v1/actions/status"
ACTIONS_PATH = "/api/v1/actions"
API_PREFIX = "/api/"
REALM = "WW Go"
MALFORMED_JSON = b"{not json"
JSON = "application/json"

_STATUS_IDS = re.compile(r"\d+(,\d+)*", re.ASCII)
# Which endpoint a request of the device API is, for a crafted answer.
_ENDPOINTS: dict[tuple[str, str], Endpoint] = {
    (hdrs.METH_POST, CALL_PATH): "call",
    (hdrs.METH_GET, STATUS_PATH): "status",
    (hdrs.METH_GET, ACTIONS_PATH): "actions",
}


class _BadRequestError(ValueError):
    """A request body the emulator cannot apply."""


@dataclass(slots=True)
class _Options:
    auth: tuple[str, str] | None
    json_status_ids: bool
    actions_list: bool = True
    description: Mapping[str, str] | None = None


DEVICE_KEY = web.AppKey("device", Device)
OTHER_CLIENTS_KEY = web.AppKey("other_clients", OtherClients)
_OPTIONS_KEY = web.AppKey("options", _Options)


def create_app(
    device: Device,
    *,
    auth: tuple[str, str] | None = None,
    json_status_ids: bool = False,
    actions_list: bool = True,
    description: Mapping[str, str] | None = None,
    others: Iterable[OtherClient] = (),
) -> web.Application:
    """Serve ``device``: with HTTP Basic ``auth`` (user, password) if given.

    ``json_status_ids`` makes a call answer with the JSON body of the generic REST route instead of
    the ``Location`` header of the HTTP page handler; without ``actions_list`` the action list is
    not served. ``description`` (e.g. ``device_id``, ``device_name``, ``model``, ``firmware``,
    ``serial``) is what the action list says of the device beside its actions. ``others`` run
    their actions on the device while the app is served.
    """
    app = web.Application(middlewares=[_api_middleware])
    app[DEVICE_KEY] = device
    app[OTHER_CLIENTS_KEY] = OtherClients(device, others)
    app[_OPTIONS_KEY] = _Options(
        auth=auth, json_status_ids=json_status_ids, description=description
    )
    app.router.add_post(CALL_PATH, _call)
    app.router.add_get(STATUS_PATH, _status)
    app[_OPTIONS_KEY].actions_list = actions_list
    app.router.add_get(ACTIONS_PATH, _actions)
    app.router.add_get("/_sim/stats", _get_stats)
    app.router.add_delete("/_sim/stats", _reset_stats)
    app.router.add_get("/_sim/faults", _get_faults)
    app.router.add_post("/_sim/faults", _set_faults)
    app.router.add_post("/_sim/call", _call_as_other)
    app.on_startup.append(_start_other_clients)
    app.on_cleanup.append(_close_device)
    return app


def set_credentials(app: web.Application, auth: tuple[str, str] | None) -> None:
    """Change the login the device asks for, as its owner would (None: no login)."""
    app[_OPTIONS_KEY].auth = auth


async def _start_other_clients(app: web.Application) -> None:
    app[OTHER_CLIENTS_KEY].start()


async def _close_device(app: web.Application) -> None:
    # Other clients stop first: a run they started later would outlive the device's close.
    await app[OTHER_CLIENTS_KEY].aclose()
    await app[DEVICE_KEY].aclose()


@web.middleware
async def _api_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Apply the fault switches and authentication to the device API."""
    if not request.path.startswith(API_PREFIX):
        return await handler(request)
    faults = request.app[DEVICE_KEY].faults
    if faults.offline:
        if request.transport is not None:
            request.transport.close()
        # Nobody reads this answer: the connection is gone.
        raise web.HTTPServiceUnavailable
    if faults.delay > 0:
        await asyncio.sleep(faults.delay)
    auth = request.app[_OPTIONS_KEY].auth
    if auth is not None and not _authorized(request, auth):
        return web.Response(
            status=401,
            text="Unauthorized",
            headers={hdrs.WWW_AUTHENTICATE: f'Basic realm="{REALM}"'},
        )
    if faults.server_error:
        return web.Response(status=500, text="Internal Server Error")
    answer = faults.answer
    if answer is not None and _ENDPOINTS.get((request.method, request.path)) == answer.endpoint:
        headers = {hdrs.CONTENT_TYPE: JSON, **answer.headers}
        return web.Response(status=answer.status, body=answer.body.encode(), headers=headers)
    return await handler(request)


def _authorized(request: web.Request, auth: tuple[str, str]) -> bool:
    """Whether the request carries HTTP Basic credentials (UTF-8) equal to ``auth``."""
    scheme, _, encoded = request.headers.get(hdrs.AUTHORIZATION, "").partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        given = base64.b64decode(encoded.strip(), validate=True)
    except ValueError:
        return False
    expected = f"{auth[0]}:{auth[1]}".encode()
    return secrets.compare_digest(given, expected)


def _refusal(err: DeviceError) -> web.Response:
    headers = {}
    if isinstance(err, RateLimited | DeviceBusy):
        headers[hdrs.RETRY_AFTER] = str(err.retry_after)
    return web.Response(status=err.status, text=str(err), headers=headers)


def _json(request: web.Request, data: object, *, status: int = 200) -> web.Response:
    if request.app[DEVICE_KEY].faults.malformed_json:
        return web.Response(status=status, body=MALFORMED_JSON, content_type=JSON)
    return web.json_response(data, status=status)


def _started(request: web.Request, start: Callable[[str], list[int]]) -> list[int] | web.Response:
    """The status IDs of the run `start` started of the action asked for, or the refusal."""
    action_id = request.query.get("id", "")
    if not action_id:
        return web.Response(status=400, text="missing action id")
    try:
        return start(action_id)
    except DeviceError as err:
        return _refusal(err)


async def _call(request: web.Request) -> web.Response:
    status_ids = _started(request, request.app[DEVICE_KEY].call)
    if isinstance(status_ids, web.Response):
        return status_ids
    if request.app[_OPTIONS_KEY].json_status_ids:
        return _json(request, {"status_ids": status_ids}, status=202)
    return web.Response(
        status=202,
        headers={
            hdrs.LOCATION: f"{STATUS_PATH}?id={','.join(map(str, status_ids))}",
            "X-Content-Type-Options": "nosniff",
            hdrs.CACHE_CONTROL: "no-store, no-cache",
        },
    )


async def _status(request: web.Request) -> web.Response:
    raw = request.query.get("id", "")
    if not _STATUS_IDS.fullmatch(raw):
        return web.Response(status=400, text="id must be a comma-separated list of status IDs")
    try:
        entries = request.app[DEVICE_KEY].statuses(int(part) for part in raw.split(","))
    except RateLimited as err:
        return _refusal(err)
    return _json(request, entries)


async def _actions(request: web.Request) -> web.Response:
    if not request.app[_OPTIONS_KEY].actions_list:
        raise web.HTTPNotFound
    description = request.app[_OPTIONS_KEY].description or {}
    return _json(request, {**description, "actions": request.app[DEVICE_KEY].list_actions()})


def set_actions_list(app: web.Application, served: bool) -> None:
    """Serve the action list, or answer 404 as firmware without it does."""
    app[_OPTIONS_KEY].actions_list = served


async def _get_stats(request: web.Request) -> web.Response:
    return web.json_response(request.app[DEVICE_KEY].stats())


async def _reset_stats(request: web.Request) -> web.Response:
    request.app[DEVICE_KEY].reset_stats()
    return web.Response(status=204)


async def _get_faults(request: web.Request) -> web.Response:
    return web.json_response(request.app[DEVICE_KEY].faults.as_json())


async def _set_faults(request: web.Request) -> web.Response:
    device = request.app[DEVICE_KEY]
    try:
        changes = _fault_changes(await request.json())
    except ValueError as err:
        return web.Response(status=400, text=str(err))
    external_calls = changes.pop("external_calls", 0)
    for name, value in changes.items():
        setattr(device.faults, name, value)
    device.advance_external(external_calls)
    return web.json_response(device.faults.as_json())


async def _call_as_other(request: web.Request) -> web.Response:
    status_ids = _started(request, request.app[DEVICE_KEY].call_as_other)
    if isinstance(status_ids, web.Response):
        return status_ids
    return web.json_response({"status_ids": status_ids}, status=202)


def _switch(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise _BadRequestError(f"{name} must be true or false")
    return value


def _delay(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < math.inf:
        raise _BadRequestError(f"{name} must be a number of seconds, not negative")
    return float(value)


def _count(name: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _BadRequestError(f"{name} must be a non-negative integer")
    return value


def _answer(name: str, value: object) -> Answer | None:
    if value is None:
        return None
    fields = ("endpoint", "status", "body", "headers")
    if not isinstance(value, dict) or "endpoint" not in value or not value.keys() <= set(fields):
        raise _BadRequestError(f"{name} must be null or an object of {', '.join(fields)}")
    status, body, headers = (
        value.get("status", 200),
        value.get("body", ""),
        value.get("headers", {}),
    )
    if not isinstance(status, int) or isinstance(status, bool) or not isinstance(body, str):
        raise _BadRequestError(f"{name} needs an integer status and a text body")
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise _BadRequestError(f"{name} headers must map names to text")
    try:
        return Answer(value["endpoint"], status, body, headers)
    except ValueError as err:
        raise _BadRequestError(f"{name}: {err}") from err


# Each fault key, and how its JSON value is checked and converted.
_FAULT_KEYS: dict[str, Callable[[str, object], object]] = {
    "offline": _switch,
    "malformed_json": _switch,
    "server_error": _switch,
    "delay": _delay,
    "external_calls": _count,
    "answer": _answer,
}


def _fault_changes(body: object) -> dict[str, Any]:
    """Check a fault request's JSON body before anything is applied."""
    if not isinstance(body, dict):
        raise _BadRequestError("the body must be a JSON object")
    changes: dict[str, Any] = {}
    for name, value in body.items():
        if (check := _FAULT_KEYS.get(name)) is None:
            raise _BadRequestError(f"unknown key {name!r}")
        changes[name] = check(name, value)
    return changes
