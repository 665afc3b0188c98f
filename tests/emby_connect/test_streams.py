"""Tests for the stream load figures: bit rates and which end points are outside the LAN."""

from __future__ import annotations

from dataclasses import replace
import ipaddress

import pytest

from custom_components.emby_connect.aioemby import (
    NowPlayingItem,
    PlayMethod,
    PlayState,
    Session,
    TranscodingInfo,
)
from custom_components.emby_connect.streams import (
    is_lan,
    parse_end_point,
    remote_streams,
    total_bitrate,
)

PLAYING = Session(
    id="a",
    now_playing=NowPlayingItem(id="1", name="Film", bitrate=12_000_000),
    play_state=PlayState(play_method=PlayMethod.DIRECT_PLAY),
    remote_end_point="192.168.1.50",
)


@pytest.mark.parametrize(
    ("end_point", "address"),
    [
        ("192.168.1.50", "192.168.1.50"),
        ("192.168.1.50:51234", "192.168.1.50"),
        (" 10.0.0.2 ", "10.0.0.2"),
        ("[2001:db8::1]:8096", "2001:db8::1"),
        ("fe80::1%eth0", "fe80::1"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
        ("2a00:1450::5", "2a00:1450::5"),
        ("", None),
        (None, None),
        ("living-room.local", None),
        ("[::1", "::1"),
    ],
)
def test_parse_end_point(end_point: str | None, address: str | None) -> None:
    """RemoteEndPoint is read with or without a port, brackets, zone or IPv4 mapping."""
    parsed = parse_end_point(end_point)
    assert (str(parsed) if parsed is not None else None) == address


@pytest.mark.parametrize(
    ("address", "lan"),
    [
        ("10.1.2.3", True),
        ("172.16.0.1", True),
        ("172.31.255.255", True),
        ("192.168.0.10", True),
        ("127.0.0.1", True),
        ("169.254.10.1", True),
        ("::1", True),
        ("fe80::1", True),
        ("fd12:3456::1", True),
        ("172.32.0.1", False),
        ("100.64.0.1", False),
        ("8.8.8.8", False),
        # Documentation ranges, which Python calls private: a remote viewer for the tests.
        ("203.0.113.7", False),
        ("198.51.100.23", False),
        ("2001:db8::1", False),
    ],
)
def test_is_lan(address: str, lan: bool) -> None:
    """Private, loopback and link-local addresses are the LAN; anything else is outside."""
    assert is_lan(ipaddress.ip_address(address)) is lan


def test_stream_load() -> None:
    """Playing streams count; paused ones, idle sessions and unknown end points do not."""
    transcode = replace(
        PLAYING,
        id="b",
        remote_end_point="203.0.113.7:40000",
        transcoding_info=TranscodingInfo(bitrate=4_000_000),
        play_state=PlayState(play_method=PlayMethod.TRANSCODE),
    )
    paused = replace(transcode, id="c", play_state=PlayState(is_paused=True))
    idle = Session(id="d", remote_end_point="198.51.100.1")
    unknown = replace(PLAYING, id="e", remote_end_point="somewhere", now_playing=NowPlayingItem())
    sessions = [PLAYING, transcode, paused, idle, unknown]
    assert total_bitrate(sessions) == 16_000_000
    assert remote_streams(sessions) == 1
    assert total_bitrate([]) == 0
    assert remote_streams([idle, paused]) == 0
