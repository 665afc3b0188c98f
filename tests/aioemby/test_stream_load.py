"""Sessions' stream figures against the simulator over real HTTP: bit rates and end points."""

from __future__ import annotations

from aiohttp import ClientSession

from custom_components.emby_connect.aioemby import ClientIdentity, EmbyServer
from embysim import EmbySimulator

PASSWORD = "alice-pw"


async def test_bitrates_and_end_points(
    emby_sim: EmbySimulator, identity: ClientIdentity, session: ClientSession
) -> None:
    """A direct play names its media's bit rate, a transcode its own; end points come as sent."""
    server = await emby_sim.add_server(name="Living Room")
    alice = server.add_user("alice", PASSWORD, is_admin=True)
    direct = server.play(user=alice, bitrate=12_000_000, remote_end_point="192.168.1.60")
    transcode = server.play(
        user=alice, transcoding=True, bitrate=3_500_000, remote_end_point="203.0.113.7"
    )
    client = EmbyServer(url=server.local.url, identity=identity, session=session)
    await client.authenticate_by_name("alice", PASSWORD)

    found = {item.id: item for item in await client.get_sessions()}
    assert found[direct.id].now_playing is not None
    assert found[direct.id].now_playing.bitrate == 12_000_000
    assert found[direct.id].transcoding_info is None
    assert found[direct.id].remote_end_point == "192.168.1.60"
    assert found[transcode.id].transcoding_info is not None
    assert found[transcode.id].transcoding_info.bitrate == 3_500_000
    assert found[transcode.id].remote_end_point == "203.0.113.7"
