"""Library item routes: the user's views, item queries (paged) and one item.

A user sees only the libraries its policy enables (`SimUser.enabled_folders`); an administrator
may browse as any user, and sees what that user sees.
"""

from __future__ import annotations

from aiohttp import web

from embysim.httputil import text_response
from embysim.library import ItemQuery, SimLibrary
from embysim.models import SimUser
from embysim.routing import Call, RouteTable

ROUTES = RouteTable("items")
_USER = r"/Users/(?P<user_id>[0-9a-fA-F-]+)"
_ITEM_NOT_FOUND = "Item not found."
# What GET /Users/{UserId}/Items/{Id} adds to the base fields, as Emby's item page asks.
_ITEM_FIELDS = ItemQuery(fields=frozenset({"overview", "datecreated", "sortname", "parentid"}))


class _AccessError(Exception):
    """Refuse a library call with an HTTP answer."""

    def __init__(self, status: int, message: str) -> None:
        """Keep the answer."""
        super().__init__(message)
        self.status = status


def _viewer(call: Call) -> SimUser | None:
    """Return whose libraries a call browses: the path's or query's user, else the caller."""
    issued = call.token
    user_id = call.match.groupdict().get("user_id") or call.query.get("userid")
    if not user_id:
        return issued.user
    user = call.server.find_user(user_id)
    if user is None:
        raise _AccessError(404, "User not found.")
    if not issued.is_admin and issued.user is not user:
        raise _AccessError(403, "Access denied.")
    return user


@ROUTES.get(_USER + r"/Views", auth="user")
async def views(call: Call) -> web.StreamResponse:
    """Answer GET /Users/{UserId}/Views: the libraries the user may see."""
    try:
        user = _viewer(call)
    except _AccessError as err:
        return text_response(err.status, str(err))
    library = call.server.library
    items = [library.dto(view) for view in library.views if SimLibrary.visible(view, user)]
    return web.json_response({"Items": items, "TotalRecordCount": len(items)})


@ROUTES.get(_USER + r"/Items", auth="user")
@ROUTES.get(r"/Items", auth="user")
async def items(call: Call) -> web.StreamResponse:
    """Answer GET /Users/{UserId}/Items (or /Items?UserId=): one page of a query."""
    try:
        user = _viewer(call)
        query = ItemQuery.from_query(call.request.query)
    except _AccessError as err:
        return text_response(err.status, str(err))
    except ValueError as err:
        return text_response(400, str(err))
    library = call.server.library
    if query.parent_id is not None and library.get(query.parent_id, user) is None:
        return text_response(404, _ITEM_NOT_FOUND)
    page, total = library.query(query, user)
    return web.json_response(
        {"Items": [library.dto(item, query) for item in page], "TotalRecordCount": total}
    )


@ROUTES.get(_USER + r"/Items/(?P<item_id>\d+)", auth="user")
async def item(call: Call) -> web.StreamResponse:
    """Answer GET /Users/{UserId}/Items/{Id}."""
    try:
        user = _viewer(call)
    except _AccessError as err:
        return text_response(err.status, str(err))
    library = call.server.library
    found = library.get(call.match.group("item_id"), user)
    if found is None:
        return text_response(404, _ITEM_NOT_FOUND)
    return web.json_response(library.dto(found, _ITEM_FIELDS))
