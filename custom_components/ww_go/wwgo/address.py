"""Device addresses: what a user types, checked and brought to one form."""

from typing import Final

from yarl import URL

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
