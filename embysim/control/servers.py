"""Control calls for servers: add, describe, change, faults, life cycle, users, requests."""

from __future__ import annotations

from aiohttp import web

from embysim.models import Fault, Proxy
from embysim.profiles import DEFAULT_PROFILE
from embysim.summary import server_summary

from .routing import SERVER, ControlCall, ControlError, ControlTable, json_response, listeners

CALLS = ControlTable("servers")
_ACTIONS = "stop|start|restart|move|revoke_tokens|library_changed|require_restart|reset_addresses"


@CALLS.route("GET", r"/?")
@CALLS.route("GET", r"/summary")
async def summary(call: ControlCall) -> web.Response:
    """Describe the whole simulator (as EmbySimulator.summary does)."""
    return json_response(call.context.summary())


@CALLS.route("GET", r"/servers")
async def list_servers(call: ControlCall) -> web.Response:
    """List servers."""
    return json_response([server_summary(server) for server in call.world.servers])


@CALLS.route("POST", r"/servers")
async def add_server(call: ControlCall) -> web.Response:
    """Add a server: {"name", "system_id"?, "profile"?, "version"?, "base_path"?, "https"?}."""
    body = call.body
    version = body.get("version")
    server = await call.world.add_server(
        name=str(body.get("name", "Emby Server")),
        system_id=body.get("system_id"),
        version=None if version is None else str(version),
        profile=str(body.get("profile", DEFAULT_PROFILE)),
        base_path=str(body.get("base_path", "")),
        https=bool(body.get("https", False)),
    )
    return json_response(server_summary(server), 201)


@CALLS.route("GET", SERVER)
async def get_server(call: ControlCall) -> web.Response:
    """Describe a server."""
    return json_response(server_summary(call.server()))


@CALLS.route("PATCH", SERVER)
async def patch_server(call: ControlCall) -> web.Response:
    """Change server fields (name, profile, version, addresses, flags, counts, ...)."""
    server = call.server()
    if "profile" in call.body:  # first: a version given beside it wins
        server.use_profile(str(call.body["profile"]))
    for key, value in call.body.items():
        match key:
            case "profile":
                pass
            case "name" | "version":
                setattr(server, key, str(value))
            case "local_address" | "remote_address":
                setattr(server, key, None if value is None else str(value))
            case (
                "has_update_available"
                | "has_pending_restart"
                | "is_in_maintenance_mode"
                | "require_identity"
                | "accept_access_keys"
                | "caller_sessions"
            ):
                setattr(server, key, bool(value))
            case "keepalive_interval" | "restart_downtime" | "latency":
                setattr(server, key, float(value))
            case "fault":
                server.fault = Fault(value)
            case "proxy":
                server.proxy = Proxy(str(value).upper())
            case "counts":
                server.counts.update({str(k): int(v) for k, v in dict(value).items()})
            case _:
                raise ControlError(400, f"cannot change {key!r}")
    return json_response(server_summary(server))


@CALLS.route("POST", SERVER + r"/fault")
async def server_fault(call: ControlCall) -> web.Response:
    """Set a fault: {"fault": "HTTP_500", "listener": "local"|"remote"|null (both)}."""
    server = call.server()
    fault = Fault(str(call.body["fault"]).upper())
    for listener in listeners(server, call.body.get("listener")):
        listener.fault = fault
    return json_response(server_summary(server))


@CALLS.route("POST", SERVER + r"/proxy")
async def server_proxy(call: ControlCall) -> web.Response:
    """Put a proxy in front: {"proxy": "EMBY_PATHS"|"NONE", "listener": "local"|"remote"|null}."""
    server = call.server()
    proxy = Proxy(str(call.body["proxy"]).upper())
    for listener in listeners(server, call.body.get("listener")):
        listener.proxy = proxy
    return json_response(server_summary(server))


@CALLS.route("POST", SERVER + r"/latency")
async def server_latency(call: ControlCall) -> web.Response:
    """Set latency in seconds: {"latency": 0.5, "listener": ...}."""
    server = call.server()
    latency = float(call.body["latency"])
    for listener in listeners(server, call.body.get("listener")):
        listener.latency = latency
    return json_response(server_summary(server))


@CALLS.route("POST", SERVER + rf"/(?P<action>{_ACTIONS})")
async def server_action(call: ControlCall) -> web.Response:
    """Run a life cycle or push action."""
    server = call.server()
    match call.match.group("action"):
        case "stop":
            await server.stop()
        case "start":
            await server.start()
        case "restart":
            await server.restart()
        case "move":
            await server.move()
        case "revoke_tokens":
            server.revoke_tokens()
        case "library_changed":
            server.library_changed()
        case "require_restart":
            server.require_restart()
        case _:
            server.reset_addresses()
    return json_response(server_summary(server))


@CALLS.route("POST", SERVER + r"/users")
async def add_user(call: ControlCall) -> web.Response:
    """Add a local user: {"name", "password"?, "is_admin"?}."""
    body = call.body
    user = call.server().add_user(
        str(body["name"]), body.get("password"), is_admin=bool(body.get("is_admin", False))
    )
    return json_response(
        {"id": user.id, "name": user.name, "password": user.password, "is_admin": user.is_admin},
        201,
    )


@CALLS.route("POST", SERVER + r"/api_keys")
async def add_api_key(call: ControlCall) -> web.Response:
    """Create an API key: {"app_name"?}."""
    key = call.server().create_api_key(str(call.body.get("app_name", "Home Assistant")))
    return json_response({"api_key": key}, 201)


@CALLS.route("GET", SERVER + r"/requests")
async def server_requests(call: ControlCall) -> web.Response:
    """List the requests a server received (no headers: they carry secrets)."""
    server = call.server()
    return json_response(
        {
            "count": len(server.requests),
            "requests": [
                {
                    "method": r.method,
                    "path": r.path,
                    "listener": r.listener,
                    "time": r.time.isoformat(),
                }
                for r in server.requests
            ],
        }
    )
