"""Library endpoints: views, item queries, one item, images and media streams.

A user sees only the libraries its policy enables (`SimUser.enabled_folders`). Images answer
any valid token, as Emby's image endpoint checks no library access. Streams are generated
(embysim.media): every video is the same kind of tiny MP4 and every audio stream a WAV, whatever
container the URL names; `Range` requests get 206 answers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import re

from aiohttp import web

from .calls import RouteCall, RouteSpec, lowered_query, text
from .library import ItemQuery, SimItem, SimLibrary
from .media import mp4, png, wav
from .models import SimUser

_USER = r"/Users/(?P<user_id>[0-9a-fA-F-]+)"
_IMAGE = r"/Items/(?P<item_id>\d+)/Images/(?P<image_type>[A-Za-z]+)(?:/(?P<index>\d+))?"
_VIDEO = r"/Videos/(?P<item_id>\d+)/stream(?:\.(?P<container>\w+))?"
_AUDIO = r"/Audio/(?P<item_id>\d+)/(?:stream|universal)(?:\.(?P<container>\w+))?"
_RANGE = re.compile(r"bytes=(\d*)-(\d*)$")
# Default sizes by image type (width, height), as Emby's artwork usually comes.
_IMAGE_SIZES = {"Primary": (200, 300), "Backdrop": (480, 270), "Thumb": (320, 180)}
_SQUARE_TYPES = frozenset({"MusicAlbum", "MusicArtist", "Audio", "Photo", "PhotoAlbum"})
_ITEM_NOT_FOUND = "Item not found."


class _AccessError(Exception):
    """Refuse a library call with an HTTP answer."""

    def __init__(self, status: int, message: str) -> None:
        """Keep the answer."""
        super().__init__(message)
        self.status = status


@dataclass(eq=False, kw_only=True)
class LibraryRoutes:
    """Serve one server's library to its users."""

    library: SimLibrary
    find_user: Callable[[str], SimUser | None]

    def routes(self) -> list[RouteSpec]:
        """Return the endpoints: views, items, images and streams."""
        return [
            ("GET", _USER + r"/Views", self._views, "user"),
            ("GET", _USER + r"/Items", self._items, "user"),
            ("GET", r"/Items", self._items, "user"),
            ("GET", _USER + r"/Items/(?P<item_id>\d+)", self._item, "user"),
            ("GET", _IMAGE, self._image, "user"),
            ("HEAD", _IMAGE, self._image, "user"),
            ("GET", _VIDEO, self._stream, "user"),
            ("HEAD", _VIDEO, self._stream, "user"),
            ("GET", _AUDIO, self._stream, "user"),
            ("HEAD", _AUDIO, self._stream, "user"),
        ]

    def _viewer(self, call: RouteCall) -> SimUser | None:
        """Return whose libraries a call browses: the path's or query's user, else the caller."""
        issued = call.issued
        assert issued is not None  # noqa: S101 - the router checked the token
        user_id = call.match.groupdict().get("user_id") or lowered_query(call.request).get("userid")
        if not user_id:
            return issued.user
        user = self.find_user(user_id)
        if user is None:
            raise _AccessError(404, "User not found.")
        if not issued.is_admin and issued.user is not user:
            raise _AccessError(403, "Access denied.")
        return user

    async def _views(self, call: RouteCall) -> web.Response:
        """Answer GET /Users/{UserId}/Views: the libraries the user may see."""
        try:
            user = self._viewer(call)
        except _AccessError as err:
            return text(err.status, str(err))
        views = [view for view in self.library.views if SimLibrary.visible(view, user)]
        items = [self.library.dto(view) for view in views]
        return web.json_response({"Items": items, "TotalRecordCount": len(items)})

    async def _items(self, call: RouteCall) -> web.Response:
        """Answer GET /Users/{UserId}/Items (or /Items?UserId=): one page of a query."""
        try:
            user = self._viewer(call)
            query = ItemQuery.from_query(call.request.query)
        except _AccessError as err:
            return text(err.status, str(err))
        except ValueError as err:
            return text(400, str(err))
        if query.parent_id is not None and self.library.get(query.parent_id, user) is None:
            return text(404, _ITEM_NOT_FOUND)
        page, total = self.library.query(query, user)
        return web.json_response(
            {"Items": [self.library.dto(item, query) for item in page], "TotalRecordCount": total}
        )

    async def _item(self, call: RouteCall) -> web.Response:
        """Answer GET /Users/{UserId}/Items/{Id}."""
        try:
            user = self._viewer(call)
        except _AccessError as err:
            return text(err.status, str(err))
        item = self.library.get(call.match.group("item_id"), user)
        if item is None:
            return text(404, _ITEM_NOT_FOUND)
        fields = ItemQuery(fields=frozenset({"overview", "datecreated", "sortname", "parentid"}))
        return web.json_response(self.library.dto(item, fields))

    async def _image(self, call: RouteCall) -> web.StreamResponse:
        """Answer GET /Items/{Id}/Images/{Type}[/{Index}]: a generated PNG."""
        item = self.library.items.get(call.match.group("item_id"))
        image_type = call.match.group("image_type").capitalize()
        query = lowered_query(call.request)
        try:
            index = int(call.match.group("index") or query.get("index") or 0)
            tag = item.image_tag(image_type, index) if item is not None else None
            if item is None or tag is None:
                return text(404, "Image not found.")
            width, height = _image_size(item, image_type, query)
        except ValueError:
            return text(400, "Index, width and height must be positive integers.")
        headers = {"Cache-Control": "public, max-age=31536000", "ETag": f'"{tag}"'}
        return _media(call.request, png(tag, width, height), "image/png", headers)

    async def _stream(self, call: RouteCall) -> web.StreamResponse:
        """Answer a video or audio stream URL with a few seconds of generated media."""
        user = call.issued.user if call.issued is not None else None
        item = self.library.get(call.match.group("item_id"), user)
        wanted = "Video" if call.request.path.lower().find("/videos/") >= 0 else "Audio"
        if item is None or item.media_type != wanted:
            return text(404, _ITEM_NOT_FOUND)
        if wanted == "Video":
            return _media(call.request, mp4(item.id), "video/mp4")
        return _media(call.request, wav(item.id), "audio/wav")


def _image_size(item: SimItem, image_type: str, query: dict[str, str]) -> tuple[int, int]:
    """Return the size to draw: asked for (Width/Height, or within MaxWidth/MaxHeight)."""
    width, height = _IMAGE_SIZES.get(image_type, (300, 300))
    if image_type == "Primary" and item.type in _SQUARE_TYPES:
        width = height = 300
    elif image_type == "Primary" and item.type == "Episode":
        width, height = 320, 180
    numbers = {key: int(value) for key, value in query.items() if key in _SIZE_KEYS}
    if any(value <= 0 for value in numbers.values()):
        raise ValueError
    if "width" in numbers or "height" in numbers:
        ratio = width / height
        width = numbers.get("width") or round(numbers["height"] * ratio)
        height = numbers.get("height") or round(width / ratio)
    scale = min(
        numbers.get("maxwidth", width) / width, numbers.get("maxheight", height) / height, 1.0
    )
    return max(1, round(width * scale)), max(1, round(height * scale))


_SIZE_KEYS = frozenset({"width", "height", "maxwidth", "maxheight"})


def _media(
    request: web.Request, body: bytes, content_type: str, headers: dict[str, str] | None = None
) -> web.Response:
    """Answer media bytes: whole, or the byte range a Range header asks for."""
    all_headers = {"Accept-Ranges": "bytes", **(headers or {})}
    wanted = _RANGE.match(request.headers.get("Range", "").strip())
    if wanted is None or not any(wanted.groups()):
        return web.Response(body=body, content_type=content_type, headers=all_headers)
    first, last = wanted.groups()
    size = len(body)
    if first:
        start, end = int(first), min(int(last) if last else size - 1, size - 1)
    else:
        start, end = max(size - int(last), 0), size - 1
    if start >= size or start > end:
        all_headers["Content-Range"] = f"bytes */{size}"
        return web.Response(status=416, headers=all_headers)
    all_headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    return web.Response(
        status=206, body=body[start : end + 1], content_type=content_type, headers=all_headers
    )
