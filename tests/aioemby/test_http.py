"""Pure tests: header values, identity headers, addresses, URL joining, JSON decoding."""

from __future__ import annotations

import contextlib
import string
from urllib.parse import unquote

from hypothesis import given, strategies as st
import pytest
from yarl import URL

from custom_components.emby_connect.aioemby import (
    ClientIdentity,
    ConnectionMode,
    EmbyResponseError,
    ProbeSchedule,
    ServerRecord,
    normalize_address,
)
from custom_components.emby_connect.aioemby._http import (
    RawResponse,
    address_key,
    api_url,
    decode_json,
    header_value,
    join_url,
    parse_address,
    parse_url,
)
from custom_components.emby_connect.aioemby.manager import (
    LOCAL_PROBE_TIMEOUT,
    REMOTE_PROBE_TIMEOUT,
    candidates,
    same_system_id,
)
from custom_components.emby_connect.aioemby.server import identity_headers
from embysim.auth import parse_authorization

_BREAKING = set('"\\,%+\r\n')


@given(st.text())
def test_header_value_is_safe_and_reversible(value: str) -> None:
    encoded = header_value(value)
    assert encoded.isascii()
    assert all(char in string.printable and char not in "\t\n\r\x0b\x0c" for char in encoded)
    assert not _BREAKING & (set(encoded) - {"%"})
    assert unquote(encoded) == value


@given(st.text(min_size=1), st.text(min_size=1), st.text(min_size=1), st.text(min_size=1))
def test_identity_headers_parse_back(
    client: str, device: str, device_id: str, version: str
) -> None:
    identity = ClientIdentity(
        client=client, device_name=device, device_id=device_id, version=version
    )
    headers = identity_headers(identity, user_id="u1", token="t0k")
    pairs = parse_authorization(headers["X-Emby-Authorization"])
    assert pairs is not None
    assert {key: unquote(value) for key, value in pairs.items()} == {
        "userid": "u1",
        "client": client,
        "device": device,
        "deviceid": device_id,
        "version": version,
        "token": "t0k",
    }
    assert unquote(headers["X-Emby-Device-Name"]) == device
    assert headers["X-Emby-Token"] == "t0k"


def test_identity_headers_without_user_or_token(identity: ClientIdentity) -> None:
    headers = identity_headers(identity)
    assert headers["X-Emby-Authorization"] == (
        'Emby Client="Home Assistant", Device="Home", DeviceId="ha-device-1", Version="0.1.0"'
    )
    assert headers["X-Emby-Client"] == "Home Assistant"
    assert headers["X-Emby-Device-Name"] == "Home"
    assert headers["X-Emby-Device-Id"] == "ha-device-1"
    assert headers["X-Emby-Client-Version"] == "0.1.0"
    assert "X-Emby-Token" not in headers


def test_identity_headers_escape_quotes_and_non_ascii() -> None:
    identity = ClientIdentity(
        client="Home Assistant", device_name='Müller\'s "Home", 1', device_id="d", version="1"
    )
    headers = identity_headers(identity)
    assert 'Device="M%C3%BCller\'s %22Home%22%2C 1"' in headers["X-Emby-Authorization"]
    assert headers["X-Emby-Device-Name"] == "M%C3%BCller's %22Home%22%2C 1"


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("http://host:8096", "http://host:8096"),
        ("http://host:8096/", "http://host:8096"),
        ("https://host/emby", "https://host/emby"),
        ("https://host/emby/", "https://host/emby"),
        ("  HTTP://Host:8096  ", "http://host:8096"),
        ("192.168.1.20:8096", "http://192.168.1.20:8096"),
        ("http://[fd00::20]:8096", "http://[fd00::20]:8096"),
        ("http://host:8096/web/index.html#!/home", "http://host:8096"),
        ("https://host/emby/web/index.html", "https://host/emby"),
        ("http://host:8096/?x=1", "http://host:8096"),
    ],
)
def test_normalize_address(address: str, expected: str) -> None:
    assert normalize_address(address) == expected


@pytest.mark.parametrize(
    "address", ["", "ftp://host", "http://", "http://user:pw@host", "http://[::1", "://x"]
)
def test_normalize_address_refuses(address: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the message does not matter here
        normalize_address(address)


@pytest.mark.parametrize(
    ("base", "path", "expected"),
    [
        ("http://host:8096", "System/Info/Public", "http://host:8096/System/Info/Public"),
        ("http://host:8096/", "System/Info/Public", "http://host:8096/System/Info/Public"),
        ("https://host/emby", "System/Info", "https://host/emby/System/Info"),
        ("https://host/emby/", "/System/Info", "https://host/emby/System/Info"),
        (
            "http://127.0.0.1:1/service",
            "pin/authenticate",
            "http://127.0.0.1:1/service/pin/authenticate",
        ),
    ],
)
def test_join_url(base: str, path: str, expected: str) -> None:
    assert str(join_url(parse_url(base), path)) == expected


@given(
    scheme=st.sampled_from(["http", "https"]),
    host=st.from_regex(r"[a-z][a-z0-9-]{0,20}(\.[a-z]{2,5}){0,2}", fullmatch=True),
    port=st.none() | st.integers(1, 65535),
    base=st.sampled_from(["", "/emby", "/emby/", "/a/b"]),
    path=st.sampled_from(["System/Info/Public", "Connect/Exchange", "Sessions"]),
)
def test_join_keeps_base_path(
    scheme: str, host: str, port: int | None, base: str, path: str
) -> None:
    address = f"{scheme}://{host}{'' if port is None else f':{port}'}{base}"
    url = join_url(parse_address(address), path)
    assert url.host == host
    assert url.path == f"{base.rstrip('/')}/{path}"
    assert normalize_address(normalize_address(address)) == normalize_address(address)


def test_address_key_treats_default_port_as_equal() -> None:
    assert address_key(parse_address("http://Host:80/")) == address_key(URL("http://host"))
    assert address_key(URL("http://host:8096")) != address_key(URL("https://host:8096"))


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"", "application/json"),
        (b"   ", "application/json"),
        (b"<html><body>Bad gateway</body></html>", "text/html"),
        (b"{}", "text/html"),
        (b"<!DOCTYPE html>", "application/json"),
        (b"{", "application/json"),
        (b"\xff\xfe\x00", "application/json"),
        (b"[" * 100_000 + b"]" * 100_000, "application/json"),
        (b"1" * 5000, "application/json"),
    ],
)
def test_decode_json_refuses(body: bytes, content_type: str) -> None:
    with pytest.raises(EmbyResponseError):
        decode_json(RawResponse(200, body, content_type), "test")


def test_decode_json_accepts_bom_and_odd_content_type() -> None:
    raw = RawResponse(200, b'\xef\xbb\xbf{"Id": "x"}', "text/plain")
    assert decode_json(raw, "test") == {"Id": "x"}


@given(st.binary(max_size=200), st.sampled_from(["application/json", "text/html", ""]))
def test_decode_json_only_raises_response_error(body: bytes, content_type: str) -> None:
    with contextlib.suppress(EmbyResponseError):
        decode_json(RawResponse(200, body, content_type), "test")


def test_same_system_id() -> None:
    assert same_system_id(
        "3F2B5A7C-9D1E-4F60-A8B7-C6D5E4F3A2B1", "3f2b5a7c9d1e4f60a8b7c6d5e4f3a2b1"
    )
    assert not same_system_id("abc", "abd")
    assert not same_system_id("", "")
    assert not same_system_id(None, "abc")


def test_candidates_follow_the_web_app() -> None:
    """Local at 0 ms, manual at +100 ms, remote at +200 ms; the last mode changes nothing."""
    record = ServerRecord(
        system_id="s",
        local_address="http://192.168.1.20:8096/",
        remote_address="https://emby.example.org",
        manual_address="http://nas.example.org:8096",
        last_mode=ConnectionMode.REMOTE,
        access_key="k",
        connect_user_id="c",
    )
    found = [(c.address, c.mode, c.timeout, c.offset) for c in candidates(record)]
    assert found == [
        ("http://192.168.1.20:8096", ConnectionMode.LOCAL, LOCAL_PROBE_TIMEOUT, 0.0),
        ("http://nas.example.org:8096", ConnectionMode.MANUAL, REMOTE_PROBE_TIMEOUT, 0.1),
        ("https://emby.example.org", ConnectionMode.REMOTE, REMOTE_PROBE_TIMEOUT, 0.2),
    ]


def test_candidates_dedupe_keeps_the_first_slot() -> None:
    record = ServerRecord(
        system_id="s",
        local_address="http://192.168.1.20:8096/",
        remote_address="https://emby.example.org",
        manual_address="http://192.168.1.20:8096",
    )
    found = [(c.address, c.mode, c.offset) for c in candidates(record)]
    assert found == [
        ("http://192.168.1.20:8096", ConnectionMode.LOCAL, 0.0),
        ("https://emby.example.org", ConnectionMode.REMOTE, 0.2),
    ]


@pytest.mark.parametrize("last_mode", [ConnectionMode.REMOTE, "remote"])
def test_candidates_last_mode_first_when_asked(last_mode: ConnectionMode) -> None:
    record = ServerRecord(
        system_id="s",
        local_address="http://192.168.1.20:8096",
        remote_address="https://emby.example.org:8920",
        last_mode=last_mode,
    )
    schedule = ProbeSchedule(last_mode_first=True)
    found = candidates(record, schedule)
    assert [(c.address, c.mode, c.offset) for c in found] == [
        ("https://emby.example.org:8920", ConnectionMode.REMOTE, 0.0),
        ("http://192.168.1.20:8096", ConnectionMode.LOCAL, 0.1),
    ]
    assert found[0].mode is ConnectionMode.REMOTE
    assert candidates(ServerRecord(system_id="s", last_mode="bogus"), schedule) == []  # type: ignore[arg-type]


def test_schedule_describes_itself() -> None:
    assert ProbeSchedule().describe() == (
        "local +0 ms, manual +100 ms, remote +200 ms; a failed probe starts the next at once"
    )
    assert ProbeSchedule(start_next_on_failure=False, last_mode_first=True).describe() == (
        "local +0 ms, manual +100 ms, remote +200 ms; "
        "the last mode that worked takes the first slot"
    )


@pytest.mark.parametrize(
    ("base", "path", "expected"),
    [
        ("http://h:8096", "System/Info/Public", "http://h:8096/emby/System/Info/Public"),
        ("http://h:8096/", "/Sessions", "http://h:8096/emby/Sessions"),
        ("https://h/emby", "Sessions", "https://h/emby/Sessions"),
        ("https://h/EMBY/", "Sessions", "https://h/EMBY/Sessions"),
        ("https://h/media", "Sessions", "https://h/media/emby/Sessions"),
        ("https://h/media/emby", "Sessions", "https://h/media/emby/Sessions"),
        ("https://h/embyserver", "Sessions", "https://h/embyserver/emby/Sessions"),
    ],
)
def test_api_url_puts_paths_below_emby_once(base: str, path: str, expected: str) -> None:
    assert str(api_url(parse_address(base), path)) == expected
    bare = str(api_url(parse_address(base), path, prefixed=False))
    assert bare == str(join_url(parse_address(base), path))


@pytest.mark.parametrize(
    ("manual", "timeout"),
    [
        ("http://192.168.1.20:8096", LOCAL_PROBE_TIMEOUT),
        ("http://[fe80::1]:8096", LOCAL_PROBE_TIMEOUT),
        ("http://127.0.0.1:8096", LOCAL_PROBE_TIMEOUT),
        ("http://nas:8096", LOCAL_PROBE_TIMEOUT),
        ("http://nas.local:8096", LOCAL_PROBE_TIMEOUT),
        ("https://emby.example.org", REMOTE_PROBE_TIMEOUT),
        ("https://8.8.8.8", REMOTE_PROBE_TIMEOUT),
    ],
)
def test_manual_probe_timeout(manual: str, timeout: float) -> None:
    (candidate,) = candidates(ServerRecord(system_id="s", manual_address=manual))
    assert candidate.mode is ConnectionMode.MANUAL
    assert candidate.timeout == timeout


def test_candidates_skip_unusable_addresses() -> None:
    record = ServerRecord(
        system_id="s", manual_address="ftp://x", local_address="", remote_address="http://ok"
    )
    assert [c.address for c in candidates(record)] == ["http://ok"]
