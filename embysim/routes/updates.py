"""Update routes: release notes of the server and the updates of it and its plugins."""

from __future__ import annotations

from aiohttp import web

from embysim.routing import Call, RouteTable

ROUTES = RouteTable("updates")


@ROUTES.get("/System/ReleaseNotes", auth="user")
async def release_notes(call: Call) -> web.StreamResponse:
    """Answer GET System/ReleaseNotes (the newest version's notes)."""
    server = call.server
    updates = server.care.updates
    return web.json_response(updates.release_notes(update_available=server.has_update_available))


@ROUTES.get("/System/ReleaseNotes/Versions", auth="user")
async def release_notes_versions(call: Call) -> web.StreamResponse:
    """Answer GET System/ReleaseNotes/Versions (newest first)."""
    server = call.server
    return web.json_response(
        server.care.updates.versions(update_available=server.has_update_available)
    )


@ROUTES.get("/Packages/Updates", auth="admin")
async def package_updates(call: Call) -> web.StreamResponse:
    """Answer GET Packages/Updates?PackageType=System|UserInstalled (both when not given)."""
    server = call.server
    return web.json_response(
        server.care.updates.updates(
            call.query.get("packagetype"), update_available=server.has_update_available
        )
    )


@ROUTES.get("/Plugins", auth="admin")
async def plugins(call: Call) -> web.StreamResponse:
    """Answer GET Plugins: the installed plugins (PluginInfo[])."""
    care = call.server.care
    return web.json_response(care.updates.plugins(care.plugin_guid))
