"""The simulated Living Room server the library and simulator tests start from."""

from __future__ import annotations

from embysim import EmbySimulator, SimServer
from embysim.catalog import generate

# The administrator most tests sign in as; some name theirs alice (password "pw").
ADMIN = ("admin", "admin-pw")


async def add_living_room(
    emby_sim: EmbySimulator,
    *,
    admin: tuple[str, str] = ADMIN,
    library: bool = False,
    base_path: str = "",
    version: str | None = None,
) -> SimServer:
    """Add the Living Room server: an administrator, bob (bob-pw), the default library if asked."""
    server = await emby_sim.add_server(name="Living Room", version=version, base_path=base_path)
    server.add_user(*admin, is_admin=True)
    server.add_user("bob", "bob-pw")
    if library:
        generate(server.library)
    return server
