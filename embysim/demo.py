"""A realistic demo account: one Connect user and a few servers with users and sessions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from .models import Proxy
from .profiles import DEFAULT_PROFILE

if TYPE_CHECKING:
    from .world import SimWorld

DEMO_USER = "demo"
DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password"  # noqa: S105 - a published demo credential
SERVER_NAMES = ["Living Room", "Basement", "Cabin", "Office", "Garage", "Attic"]
_COUNTS = [
    {"MovieCount": 812, "SeriesCount": 64, "EpisodeCount": 2417, "SongCount": 9120},
    {"MovieCount": 143, "SeriesCount": 12, "EpisodeCount": 388, "SongCount": 0},
    {"MovieCount": 57, "SeriesCount": 4, "EpisodeCount": 96, "SongCount": 1510},
]


async def load_demo(
    sim: SimWorld,
    *,
    servers: int = 2,
    https: bool = False,
    base_path: str = "",
    latency: float = 0.0,
    first_port: int | None = None,
    profile: str = DEFAULT_PROFILE,
    proxy: Literal["local", "remote", "both"] | None = None,
) -> None:
    """Create the demo account, servers, users, links (one Guest), sessions and counts.

    proxy puts an EMBY_PATHS reverse proxy in front of that listener of every server.
    """
    demo = sim.find_connect_user(DEMO_USER) or sim.add_connect_user(
        name=DEMO_USER, email=DEMO_EMAIL, password=DEMO_PASSWORD
    )
    for index in range(servers):
        name = SERVER_NAMES[index] if index < len(SERVER_NAMES) else f"Server {index + 1}"
        ports = (
            (0, 0) if first_port is None else (first_port + 2 * index, first_port + 2 * index + 1)
        )
        server = await sim.add_server(
            name=name,
            https=https,
            base_path=base_path,
            profile=profile,
            local_port=ports[0],
            remote_port=ports[1],
        )
        server.latency = latency
        if proxy is not None:
            for listener in server.listeners:
                if proxy in ("both", listener.name):
                    listener.proxy = Proxy.EMBY_PATHS
        admin = server.add_user("admin", "admin-password", is_admin=True)
        kid = server.add_user("kid", "kid-password")
        family = server.add_user("family", None)
        guest = server.add_user("guest", None)
        server.create_api_key("Home Assistant")
        is_guest_server = servers > 1 and index == servers - 1
        if is_guest_server:
            sim.link(demo, server, local_user=guest, user_type="Guest")
        else:
            sim.link(demo, server, local_user=admin, user_type="Linked")
        counts = _COUNTS[index % len(_COUNTS)]
        movies, series = counts["MovieCount"], counts["SeriesCount"]
        episodes, songs = counts["EpisodeCount"], counts["SongCount"]
        server.counts.update(
            {
                "MovieCount": movies,
                "SeriesCount": series,
                "EpisodeCount": episodes,
                "SongCount": songs,
                "AlbumCount": songs // 11,
                "ArtistCount": 0,  # Emby is known to answer 0 here
                "MusicVideoCount": 3,
                "BoxSetCount": 0,  # likewise
                "BookCount": 21,
                "TrailerCount": 9,
                "ItemCount": 0,  # real servers answer 0
            }
        )
        server.play(
            user=admin,
            item_name="Big Buck Bunny",
            item_type="Movie",
            client="Emby Web",
            device_name="Firefox",
        )
        server.play(
            user=kid,
            item_name="The Sintel Story",
            item_type="Episode",
            series_name="Blender Open Movies",
            paused=True,
            transcoding=True,
            transcoding_info=False,  # a paused transcode, as real servers report it
            client="Emby for Android",
            device_name="Pixel 8",
            runtime_seconds=1800,
            position_seconds=420,
        )
        server.add_idle_session(user=family, client="Emby Theater", device_name="Living Room TV")
