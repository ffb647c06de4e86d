"""Device addresses: what a user types, checked and brought to one URL and one canonical text."""

import pytest

from custom_components.ww_go.wwgo import base_url, normalize_host


@pytest.mark.parametrize(
    ("host", "url", "canonical"),
    [
        ("192.168.1.100", "http://192.168.1.100", "192.168.1.100"),
        ("192.168.1.100:80", "http://192.168.1.100", "192.168.1.100"),
        ("http://192.168.1.100", "http://192.168.1.100", "192.168.1.100"),
        ("192.168.1.100:8080", "http://192.168.1.100:8080", "192.168.1.100:8080"),
        ("  127.0.0.1:8123 \n", "http://127.0.0.1:8123", "127.0.0.1:8123"),
        ("wwgo.local", "http://wwgo.local", "wwgo.local"),
        ("http://wwgo.local/", "http://wwgo.local", "wwgo.local"),
        ("  wwgo.local  ", "http://wwgo.local", "wwgo.local"),
        ("HTTP://WWGO.local", "http://wwgo.local", "wwgo.local"),
        ("http://wwgo.local:8080", "http://wwgo.local:8080", "wwgo.local:8080"),
        ("wwgo.local:8080/", "http://wwgo.local:8080", "wwgo.local:8080"),
        ("http://WWGO.Local:8080/", "http://wwgo.local:8080", "wwgo.local:8080"),
        ("wwgo.local:1", "http://wwgo.local:1", "wwgo.local:1"),
        ("wwgo.local:65535", "http://wwgo.local:65535", "wwgo.local:65535"),
        ("https://wwgo.local", "https://wwgo.local", "https://wwgo.local"),
        ("https://wwgo.local:443/", "https://wwgo.local", "https://wwgo.local"),
        ("HTTPS://WWGO.local:80", "https://wwgo.local:80", "https://wwgo.local:80"),
        ("https://wwgo.local:8443", "https://wwgo.local:8443", "https://wwgo.local:8443"),
        ("[::1]", "http://[::1]", "[::1]"),
        ("[::1]:8080", "http://[::1]:8080", "[::1]:8080"),
        ("http://[FE80::1]:80", "http://[fe80::1]", "[fe80::1]"),
        ("https://[::1]", "https://[::1]", "https://[::1]"),
        ("https://[fe80::1]:8443/", "https://[fe80::1]:8443", "https://[fe80::1]:8443"),
    ],
)
def test_an_address(host: str, url: str, canonical: str) -> None:
    """One address has one URL and one canonical text, which is its own canonical text."""
    assert str(base_url(host)) == url
    assert base_url(host).path in {"", "/"}
    assert not base_url(host).query_string
    assert base_url(host).user is None
    assert normalize_host(host) == canonical
    assert normalize_host(canonical) == canonical
    assert base_url(canonical) == base_url(host)


def test_the_url_of_an_ipv6_host() -> None:
    url = base_url("[::1]:8080")
    assert (url.scheme, url.host, url.port) == ("http", "::1", 8080)


@pytest.mark.parametrize(
    "host",
    [
        "",
        "   ",
        " \t ",
        "/",
        "//wwgo.local",
        "ftp://wwgo.local",
        "ws://wwgo.local:8080",
        "wwgo.local/api",
        "http://wwgo.local/api/v1/actions",
        "wwgo.local?id=1",
        "http://wwgo.local/?debug=1",
        "wwgo.local#top",
        "admin@wwgo.local",
        "http://admin:secret@wwgo.local",
        # User info with an empty user name keeps the password in the URL.
        ":secret@wwgo.local",
        "http://:secret@wwgo.local",
        # A scheme without a host becomes a host named after the scheme (http://http).
        "http://",
        "https://",
        "wwgo.local:99999",
        "wwgo.local:http",
        "wwgo.local:0",
        "wwgo.local:65536",
        "127.0.\n0.1:8080",
        "127.0.0.1\t:8080",
        "127.0.0.1 :8080",
        "127.0.0.1: 8080",
        "my host",
        "http://wwgo local",
        "wwgo\u200b.local",
        # Its international name normalizes to a space and a combining macron.
        "\u00af",
        "wwgo.local\x00",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "file:/etc/passwd",
    ],
)
def test_not_a_device_address(host: str) -> None:
    with pytest.raises(ValueError, match="not a device address"):
        base_url(host)
    with pytest.raises(ValueError, match="not a device address"):
        normalize_host(host)
