"""Control calls for Emby Connect: faults, accounts, links, PINs, recorded calls."""

from __future__ import annotations

from aiohttp import web

from embysim.models import ConnectFault

from .routing import ControlCall, ControlError, ControlTable, json_response, local_user

CALLS = ControlTable("connect")


@CALLS.route("POST", r"/connect/fault")
async def connect_fault(call: ControlCall) -> web.Response:
    """Set the Connect fault: {"fault": "DOWN"}."""
    connect = call.context.connect
    connect.set_fault(ConnectFault(str(call.body["fault"]).upper()))
    return json_response({"fault": str(connect.fault)})


@CALLS.route("POST", r"/connect/latency")
async def connect_latency(call: ControlCall) -> web.Response:
    """Set the Connect latency: {"latency": 0.5}."""
    connect = call.context.connect
    connect.latency = float(call.body["latency"])
    return json_response({"latency": connect.latency})


@CALLS.route("POST", r"/connect/users")
async def add_connect_user(call: ControlCall) -> web.Response:
    """Create a Connect account: {"name", "email"?, "password"}."""
    body = call.body
    user = call.world.add_connect_user(
        name=str(body["name"]), email=body.get("email"), password=str(body["password"])
    )
    return json_response(
        {"id": user.id, "name": user.name, "email": user.email, "password": user.password},
        201,
    )


@CALLS.route("GET", r"/connect/requests")
async def connect_requests(call: ControlCall) -> web.Response:
    """List the calls Connect received (no headers or bodies: they carry secrets)."""
    requests = call.context.connect.requests
    return json_response(
        {
            "count": len(requests),
            "requests": [
                {"method": r.method, "path": r.path, "time": r.time.isoformat()} for r in requests
            ],
        }
    )


@CALLS.route("POST", r"/link")
async def link(call: ControlCall) -> web.Response:
    """Link: {"user", "server", "local_user"?, "user_type"?}."""
    body = call.body
    user = call.world.connect_user(str(body["user"]))
    server = call.server(str(body["server"]))
    made = call.world.link(
        user,
        server,
        local_user=local_user(server, body.get("local_user")),
        user_type="Guest" if body.get("user_type") == "Guest" else "Linked",
    )
    return json_response(
        {"link_id": made.link_id, "access_key": made.access_key, "user_type": made.user_type},
        201,
    )


@CALLS.route("POST", r"/unlink")
async def unlink(call: ControlCall) -> web.Response:
    """Unlink: {"user", "server"}."""
    user = call.world.connect_user(str(call.body["user"]))
    server = call.server(str(call.body["server"]))
    call.world.unlink(user, server)
    return json_response({"unlinked": server.system_id})


@CALLS.route("GET", r"/pins")
async def pins(call: ControlCall) -> web.Response:
    """List the PINs Connect knows."""
    return json_response(
        [
            {
                "pin": pin.pin,
                "device_id": pin.device_id,
                "expired": pin.expired,
                "confirmed": pin.confirmed_by is not None,
            }
            for pin in call.context.connect.pins.values()
        ]
    )


@CALLS.route("POST", r"/pin/confirm")
async def confirm_pin(call: ControlCall) -> web.Response:
    """Confirm a PIN: {"pin", "user"} (user: name, e-mail or id)."""
    try:
        user = call.world.connect_user(str(call.body["user"]))
        pin = call.context.connect.confirm_pin(str(call.body["pin"]), user)
    except KeyError as err:
        raise ControlError(404, str(err.args[0])) from err
    return json_response({"pin": pin.pin, "confirmed": True})


@CALLS.route("POST", r"/pin/expire")
async def expire_pin(call: ControlCall) -> web.Response:
    """Expire a PIN: {"pin"}."""
    code = str(call.body["pin"])
    connect = call.context.connect
    if code not in connect.pins:
        raise ControlError(404, f"no PIN {code!r}")
    connect.expire_pin(code)
    return json_response({"pin": code, "expired": True})
