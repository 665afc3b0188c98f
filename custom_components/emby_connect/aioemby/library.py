"""Browse an Emby server's libraries as the signed-in user: views, paged items, images, streams.

Nothing this module hands out carries a secret. Image URLs (`image_url`) are built without a
token: they name a picture (its tag changes when the picture does) for a cache or a proxy, and
open nothing by themselves; `fetch_image` reads the picture with the token in a header. A
stream is described by a `StreamRequest`: a URL without a token, and the headers (token
included) that whoever fetches it must send. That keeps the token between this client and the
server: a device that cannot send headers (a cast target) gets the stream through the
integration's proxy, never the server's token. Handing a device a direct Emby URL would mean
adding `api_key=<the access token>` to it, a token that opens the whole API as this user and
does not expire; that is the integration's decision, in one visible place, not this library's.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from http import HTTPStatus
from typing import TypedDict, Unpack
from urllib.parse import quote

from aiohttp import ClientResponse, ClientTimeout
from aiohttp.hdrs import METH_GET, RANGE
from yarl import URL

from ._http import RawResponse, refusal, transport_errors
from .exceptions import (
    AuthSource,
    EmbyAuthenticationError,
    EmbyNotFoundError,
    EmbyResponseError,
)
from .media_models import (
    ImageData,
    ImageRef,
    ItemPage,
    ItemQuery,
    ItemType,
    MediaItem,
    MediaType,
    StreamRequest,
)
from .server import EmbyServer, identity_headers

# What a direct stream is sent as, by container; anything else is application/octet-stream.
MIME_TYPES = {
    "mp4": "video/mp4",
    "m4v": "video/mp4",
    "mkv": "video/x-matroska",
    "webm": "video/webm",
    "avi": "video/x-msvideo",
    "ts": "video/mp2t",
    "mov": "video/quicktime",
    "mp3": "audio/mpeg",
    "aac": "audio/aac",
    "m4a": "audio/mp4",
    "flac": "audio/flac",
    "ogg": "audio/ogg",
    "opus": "audio/ogg",
    "wav": "audio/wav",
}
# What a transcoded stream is, when the caller names no container.
TRANSCODE_AUDIO = ("mp3", "mp3")  # container, codec
TRANSCODE_VIDEO = ("mp4", "h264", "aac")  # container, video codec, audio codec
SEARCH_LIMIT = 25
# Ids asked for in one request (a URL stays well below what servers and proxies accept), and
# at most this many in all: a scan that added more is told by its first items and a count.
IDS_PER_REQUEST = 50
MAX_ITEMS_BY_IDS = 200
_STREAM_PATHS = {MediaType.AUDIO: "Audio", MediaType.VIDEO: "Videos"}
# A stream may stall while the server starts a transcode; a read that waits longer is dead.
STREAM_READ_TIMEOUT = 60.0


def _quoted(item_id: str) -> str:
    """Return an id safe to put in a path segment."""
    return quote(item_id, safe="")


class ImageSize(TypedDict, total=False):
    """The largest size a picture is wanted at (the server scales it down); none: as stored."""

    max_width: int | None
    max_height: int | None


def _image_request(image: ImageRef, size: ImageSize) -> tuple[str, dict[str, str]]:
    """Return the path and query of a picture (the tag lets caches keep it for good)."""
    params = {
        "tag": image.tag,
        "maxWidth": size.get("max_width"),
        "maxHeight": size.get("max_height"),
    }
    path = f"Items/{_quoted(image.item_id)}/Images/{image.image_type}"
    return path, {key: str(value) for key, value in params.items() if value is not None}


@dataclass(frozen=True, slots=True)
class EmbyLibrary:
    """Browse the libraries of one signed-in Emby server client.

    user_id: browse as another user of the server (an administrator may; the server answers
    with what that user may see). None: as the signed-in user.
    """

    server: EmbyServer
    user_id: str | None = None

    def _user_path(self, suffix: str) -> str:
        """Return a path below /Users/{UserId} for the user browsed as."""
        user_id = self.user_id or self.server.user_id
        if not user_id or not self.server.access_token:
            message = "Not signed in to the Emby server"
            raise EmbyAuthenticationError(message, source=AuthSource.SERVER)
        return f"Users/{_quoted(user_id)}/{suffix}"

    async def _get(
        self, path: str, params: dict[str, str] | None = None, *, expect_json: bool = True
    ) -> object:
        """GET a library call; a 404 becomes EmbyNotFoundError."""
        try:
            return await self.server.request(METH_GET, path, params=params, expect_json=expect_json)
        except EmbyResponseError as err:
            if err.status == 404:  # noqa: PLR2004
                raise EmbyNotFoundError(str(err), status=err.status) from err
            raise

    # -- items --------------------------------------------------------------------------------

    async def get_views(self) -> list[MediaItem]:
        """Return the libraries (views) the user may see."""
        data = await self._get(self._user_path("Views"))
        page = ItemPage.from_dict(data)
        return list(page.items)

    async def get_items(self, query: ItemQuery | None = None) -> ItemPage:
        """Return one page of items (default: the first 100 of the user's root)."""
        query = query or ItemQuery()
        data = await self._get(self._user_path("Items"), query.params())
        return ItemPage.from_dict(data, start_index=query.start_index)

    async def iter_items(self, query: ItemQuery | None = None) -> AsyncIterator[MediaItem]:
        """Yield every item a query selects, a page at a time (one page in memory)."""
        next_query: ItemQuery | None = query or ItemQuery()
        while next_query is not None:
            page = await self.get_items(next_query)
            next_query = next_query.next_page(page)
            items = list(page.items)
            del page
            # Hand items out one by one, keeping none: the next page is read with nothing
            # of this one left, so a walk of any length holds at most one page.
            items.reverse()
            while items:
                yield items.pop()

    async def get_item(self, item_id: str) -> MediaItem:
        """Return one item (EmbyNotFoundError when it is unknown or not the user's to see)."""
        data = await self._get(self._user_path(f"Items/{_quoted(item_id)}"))
        return MediaItem.from_dict(data)

    async def get_items_by_ids(
        self,
        ids: Sequence[str],
        *,
        per_request: int = IDS_PER_REQUEST,
        max_items: int = MAX_ITEMS_BY_IDS,
    ) -> list[MediaItem]:
        """Return the items with these Ids the user may see, in the order asked.

        Asks for per_request Ids at a time and for the first max_items Ids only; unknown Ids
        and items the user may not see are left out (Emby answers without them).
        """
        if per_request < 1 or max_items < 0:
            message = "per_request must be >= 1 and max_items >= 0"
            raise ValueError(message)
        wanted = list(dict.fromkeys(item_id for item_id in ids if item_id))[:max_items]
        found: dict[str, MediaItem] = {}
        for start in range(0, len(wanted), per_request):
            chunk = tuple(wanted[start : start + per_request])
            query = ItemQuery(ids=chunk, limit=len(chunk), recursive=True, sort_by=())
            page = await self.get_items(query)
            found.update((item.id, item) for item in page.items if item.id in chunk)
        return [found[item_id] for item_id in wanted if item_id in found]

    async def search(
        self,
        term: str,
        *,
        limit: int = SEARCH_LIMIT,
        item_types: Sequence[ItemType] = (),
        media_types: Sequence[MediaType] = (),
    ) -> ItemPage:
        """Return the first items whose names match a search term, across every library."""
        query = ItemQuery(
            search_term=term,
            recursive=True,
            limit=limit,
            include_item_types=tuple(item_types),
            media_types=tuple(media_types),
        )
        return await self.get_items(query)

    # -- images -------------------------------------------------------------------------------

    def image_url(self, image: ImageRef, **size: Unpack[ImageSize]) -> URL:
        """Return the address of an item's picture, without any token."""
        path, params = _image_request(image, size)
        return self.server.url_for(path).with_query(params)

    async def fetch_image(self, image: ImageRef, **size: Unpack[ImageSize]) -> ImageData:
        """Return an item's picture, read with the token in a header (never in the URL)."""
        path, params = _image_request(image, size)
        raw = await self._get(path, params, expect_json=False)
        if not isinstance(raw, RawResponse) or not raw.content_type.startswith("image/"):
            message = f"Emby server {self.server.url} sent no picture for item {image.item_id}"
            raise EmbyResponseError(message)
        return ImageData(content=raw.body, content_type=raw.content_type)

    # -- streams ------------------------------------------------------------------------------

    def stream_request(
        self,
        item: MediaItem,
        *,
        direct: bool = True,
        container: str | None = None,
        max_bitrate: int | None = None,
        start_position_ticks: int | None = None,
    ) -> StreamRequest:
        """Describe how to fetch an item's media: the file as it is, or a transcode.

        direct: the file as stored (`Static=true`); otherwise the server transcodes to
        `container` (audio: mp3 by default; video: mp4 with H.264 and AAC).
        """
        kind = _STREAM_PATHS.get(item.media_type) if item.media_type else None
        if kind is None or item.is_folder:
            message = f"{item.type_name or 'This item'} {item.id} has no audio or video to stream"
            raise ValueError(message)
        params: dict[str, str] = {"DeviceId": self.server.identity.device_id}
        if self.server.user_id:
            params["UserId"] = self.server.user_id
        if start_position_ticks:
            params["StartTimeTicks"] = str(start_position_ticks)
        if max_bitrate:
            params["MaxStreamingBitrate"] = str(max_bitrate)
        if direct:
            chosen = (container or item.container or "").split(",")[0].strip().lower()
            suffix = f"stream.{chosen}" if chosen else "stream"
            params["Static"] = "true"
        elif kind == "Audio":
            chosen = container or TRANSCODE_AUDIO[0]
            suffix = "universal"
            params.update(
                {
                    "Container": chosen,
                    "TranscodingContainer": chosen,
                    "TranscodingProtocol": "http",
                    "AudioCodec": TRANSCODE_AUDIO[1],
                }
            )
        else:
            chosen = container or TRANSCODE_VIDEO[0]
            suffix = f"stream.{chosen}"
            params.update({"VideoCodec": TRANSCODE_VIDEO[1], "AudioCodec": TRANSCODE_VIDEO[2]})
        url = self.server.url_for(f"{kind}/{_quoted(item.id)}/{suffix}").with_query(params)
        headers = identity_headers(
            self.server.identity, user_id=self.server.user_id, token=self.server.access_token
        )
        headers["Accept"] = "*/*"
        return StreamRequest(
            url=url, headers=headers, mime_type=MIME_TYPES.get(chosen), direct=direct
        )

    @asynccontextmanager
    async def open_stream(
        self, request: StreamRequest, *, byte_range: str | None = None
    ) -> AsyncIterator[ClientResponse]:
        """Open a stream a StreamRequest describes, the token in its headers; yield the answer.

        byte_range: an HTTP Range value passed on as it is (a 206 or 416 answer is the
        caller's to forward). Refusals raise as the other calls do; no redirect is followed,
        as it would carry the token to wherever it points.
        """
        headers = dict(request.headers)
        if byte_range:
            headers[RANGE] = byte_range
        what = f"Emby server {self.server.url} (stream)"
        timeout = ClientTimeout(
            total=None, connect=self.server.request_timeout, sock_read=STREAM_READ_TIMEOUT
        )
        # The answer's headers within the request timeout, as any other call: a server that
        # takes the connection and never answers is not given a whole read timeout.
        with transport_errors(what):
            async with (
                asyncio.timeout(self.server.request_timeout) as answered,
                self.server.http_session().get(
                    request.url,
                    headers=headers,
                    timeout=timeout,
                    ssl=self.server.verify_ssl,
                    allow_redirects=False,
                ) as response,
            ):
                answered.reschedule(None)
                _check_stream(response, what)
                yield response


def _check_stream(response: ClientResponse, what: str) -> None:
    """Raise for a stream answer that is neither media nor a range it cannot serve."""
    status = response.status
    if (refused := refusal(what, status)) is not None:
        raise refused
    if status == HTTPStatus.NOT_FOUND:
        message = f"{what} has no such item (HTTP {status})"
        raise EmbyNotFoundError(message, status=status)
    if status != HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE and not (
        HTTPStatus.OK <= status < HTTPStatus.MULTIPLE_CHOICES
    ):
        message = f"{what} answered with HTTP {status}"
        raise EmbyResponseError(message, status=status)
