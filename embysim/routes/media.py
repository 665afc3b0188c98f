"""Media routes: item images and audio/video streams, generated (embysim.media).

Images answer any valid token, as Emby's image endpoint checks no library access. Streams are
for items the token's user may see: every video is the same kind of tiny MP4 and every audio
stream a WAV, whatever container the URL names; `Range` requests get 206 answers.
"""

from __future__ import annotations

import re

from aiohttp import web

from embysim.httputil import text_response
from embysim.library import SimItem
from embysim.media import mp4, png, wav
from embysim.routing import Call, RouteTable

ROUTES = RouteTable("media")
_IMAGE = r"/Items/(?P<item_id>\d+)/Images/(?P<image_type>[A-Za-z]+)(?:/(?P<index>\d+))?"
_VIDEO = r"/Videos/(?P<item_id>\d+)/stream(?:\.(?P<container>\w+))?"
_AUDIO = r"/Audio/(?P<item_id>\d+)/(?:stream|universal)(?:\.(?P<container>\w+))?"
_RANGE = re.compile(r"bytes=(\d*)-(\d*)$")
# Default sizes by image type (width, height), as Emby's artwork usually comes.
_IMAGE_SIZES = {"Primary": (200, 300), "Backdrop": (480, 270), "Thumb": (320, 180)}
_SQUARE_TYPES = frozenset({"MusicAlbum", "MusicArtist", "Audio", "Photo", "PhotoAlbum"})
_SIZE_KEYS = frozenset({"width", "height", "maxwidth", "maxheight"})


@ROUTES.get(_IMAGE, auth="user")
@ROUTES.route("HEAD", _IMAGE, auth="user")
async def image(call: Call) -> web.StreamResponse:
    """Answer GET /Items/{Id}/Images/{Type}[/{Index}]: a generated PNG."""
    item = call.server.library.items.get(call.match.group("item_id"))
    image_type = call.match.group("image_type").capitalize()
    query = call.query
    try:
        index = int(call.match.group("index") or query.get("index") or 0)
        tag = item.image_tag(image_type, index) if item is not None else None
        if item is None or tag is None:
            return text_response(404, "Image not found.")
        width, height = _image_size(item, image_type, query)
    except ValueError:
        return text_response(400, "Index, width and height must be positive integers.")
    headers = {"Cache-Control": "public, max-age=31536000", "ETag": f'"{tag}"'}
    return _media(call.request, png(tag, width, height), "image/png", headers)


@ROUTES.get(_VIDEO, auth="user")
@ROUTES.route("HEAD", _VIDEO, auth="user")
async def video_stream(call: Call) -> web.StreamResponse:
    """Answer a video stream URL with a few seconds of generated MP4."""
    item = call.server.library.get(call.match.group("item_id"), call.token.user)
    if item is None or item.media_type != "Video":
        return text_response(404, "Item not found.")
    return _media(call.request, mp4(item.id), "video/mp4")


@ROUTES.get(_AUDIO, auth="user")
@ROUTES.route("HEAD", _AUDIO, auth="user")
async def audio_stream(call: Call) -> web.StreamResponse:
    """Answer an audio stream (or universal) URL with a few seconds of generated WAV."""
    item = call.server.library.get(call.match.group("item_id"), call.token.user)
    if item is None or item.media_type != "Audio":
        return text_response(404, "Item not found.")
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
