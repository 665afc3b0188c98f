"""Control calls for libraries: generate items, restrict a user to some libraries."""

from __future__ import annotations

from aiohttp import web

from embysim.catalog import LibrarySpec, generate

from .routing import SERVER, ControlCall, ControlError, ControlTable, json_response, local_user

CALLS = ControlTable("library")


@CALLS.route("POST", SERVER + r"/library")
async def generate_library(call: ControlCall) -> web.Response:
    """Generate libraries: {"movies"?, "series"?, "songs"?, ...} as LibrarySpec takes them."""
    server = call.server()
    generate(server.library, LibrarySpec(**{str(k): int(v) for k, v in call.body.items()}))
    views = [{"id": view.id, "name": view.name} for view in server.library.views]
    return json_response({"items": len(server.library), "views": views}, 201)


@CALLS.route("POST", SERVER + r"/users/(?P<user>[^/]+)/libraries")
async def user_libraries(call: ControlCall) -> web.Response:
    """Restrict a user to some libraries: {"libraries": ["Music", ...]} (null: all)."""
    server = call.server()
    user = local_user(server, call.match.group("user"))
    if user is None:  # pragma: no cover - a path always names a user
        raise ControlError(404, "no user")
    names = call.body.get("libraries")
    if names is None:
        user.enabled_folders = None
    else:
        views = [server.library.find_view(str(name)) for name in names]
        if None in views:
            raise ControlError(404, f"no library among {names!r} on {server.name}")
        user.enabled_folders = frozenset(view.id for view in views if view is not None)
    return json_response({"user": user.name, "libraries": names})
