"""Sign-in routes: the Connect exchange, sign-in by name, reading a user, signing out."""

from __future__ import annotations

from aiohttp import web

from embysim.dto.sessions import session_json
from embysim.dto.users import user_dto
from embysim.httputil import lower_keys, read_body, text_response
from embysim.models import SimSession, SimUser
from embysim.routing import Call, RouteTable

ROUTES = RouteTable("users")


@ROUTES.get("/Connect/Exchange", auth="access_key")
async def connect_exchange(call: Call) -> web.StreamResponse:
    """Answer GET Connect/Exchange: a new token for the link's local user."""
    link = call.link
    if link is None or call.query.get("connectuserid") != link.connect_user.id:
        return text_response(401, "Invalid connect user id.")
    server = call.server
    token = server.issue_token(link.local_user, call.credentials.identity)
    server.note_caller(server.tokens[token], call.credentials.identity, call.request.remote)
    return web.json_response({"LocalUserId": link.local_user.id, "AccessToken": token})


@ROUTES.post("/Users/AuthenticateByName", auth="identity")
async def authenticate_by_name(call: Call) -> web.StreamResponse:
    """Answer POST Users/AuthenticateByName (JSON or form; Pw, or Password)."""
    server = call.server
    fields = lower_keys(await read_body(call.request))
    username = str(fields.get("username") or "")
    password = fields.get("pw")
    if password is None:
        password = fields.get("password")
    user = server.find_user(username) if username else None
    if user is None or user.is_disabled or not password_matches(user, password):
        server.care.activity.failed_login(username, call.request.remote or "127.0.0.1")
        return text_response(401, "Invalid username or password entered.")
    identity = call.credentials.identity
    token = server.issue_token(user, identity)
    server.activity.add(f"{user.name} has signed in", "SessionStarted", user)
    remote = call.request.remote or "127.0.0.1"
    session = server.note_caller(server.tokens[token], identity, remote) or SimSession(
        id=server.ids.hex(),
        user=user,
        client=identity.client if identity else "",
        device_name=identity.device_name if identity else "",
        device_id=identity.device_id if identity else "",
        application_version=identity.version if identity else "",
        remote_end_point=remote,
        supports_remote_control=False,
    )
    return web.json_response(
        {
            "User": user_dto(user, server.system_id),
            "SessionInfo": session_json(session, server.system_id),
            "AccessToken": token,
            "ServerId": server.system_id,
        }
    )


@ROUTES.get("/Users/(?P<user_id>[0-9a-fA-F-]+)", auth="user")
async def get_user(call: Call) -> web.StreamResponse:
    """Answer GET Users/{Id} (a user may read itself; administrators anyone)."""
    user = call.server.find_user(call.match.group("user_id"))
    if user is None:
        return text_response(404, "User not found.")
    if not call.token.is_admin and call.token.user is not user:
        return text_response(403, "Access denied.")
    return web.json_response(user_dto(user, call.server.system_id))


@ROUTES.get("/Users/Query", auth="admin")
async def query_users(call: Call) -> web.StreamResponse:
    """Answer GET Users/Query (administrators): every user, as a QueryResult."""
    server = call.server
    users = [user_dto(user, server.system_id) for user in server.accounts.users]
    return web.json_response({"Items": users, "TotalRecordCount": len(users)})


@ROUTES.post("/Sessions/Logout", auth="user")
async def logout(call: Call) -> web.StreamResponse:
    """Answer POST Sessions/Logout: revoke the calling token."""
    call.server.accounts.revoke_token(call.token.token)
    return web.Response(status=204)


def password_matches(user: SimUser, given: object) -> bool:
    """Check a password the way Emby does (no password: only empty or missing matches)."""
    if not user.password:
        return given in (None, "")
    return isinstance(given, str) and given == user.password
