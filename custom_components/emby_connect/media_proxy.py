"""Serve Emby streams and pictures through Home Assistant, the server's token kept in headers.

A device told to play an Emby item (a cast target, a speaker) receives a path of these views,
signed by Home Assistant (`authSig`, bound to that one path, expiring): never the server's
address or token. The views fetch from the server with the token in a header and pass the
answer on as it comes, Range requests included (seeking), one chunk in memory at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
import re
from urllib.parse import quote

from aiohttp import hdrs, web
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.http import HomeAssistantView
from homeassistant.util.hass_dict import HassKey

from .aioemby import EmbyError, EmbyNotFoundError
from .aioemby.library import MIME_TYPES, EmbyLibrary
from .aioemby.media_models import ImageRef, ImageType, MediaItem, MediaType as EmbyMediaType
from .browse import THUMBNAIL_WIDTH
from .const import DOMAIN
from .coordinator import EmbyConfigEntry

CHUNK_BYTES = 64 * 1024
TRANSCODE = "transcode"
# What (nearly) every media player plays as it is; anything else is transcoded (mp4 H.264/AAC
# for video, mp3 for audio), which every cast target and speaker takes.
DIRECT_CONTAINERS = {
    EmbyMediaType.VIDEO: frozenset({"mp4", "m4v"}),
    EmbyMediaType.AUDIO: frozenset({"mp3", "aac", "m4a", "flac", "wav"}),
}
TRANSCODE_MIME_TYPES = {EmbyMediaType.VIDEO: "video/mp4", EmbyMediaType.AUDIO: "audio/mpeg"}
_KINDS = {kind.value.lower(): kind for kind in DIRECT_CONTAINERS}
_PROFILE = re.compile(r"^[a-z0-9]{1,9}$")
# The answer headers a player needs to play and seek; nothing else of the server's is passed on.
_PASSED_HEADERS = (
    hdrs.CONTENT_TYPE,
    hdrs.CONTENT_LENGTH,
    hdrs.CONTENT_RANGE,
    hdrs.ACCEPT_RANGES,
    hdrs.LAST_MODIFIED,
    hdrs.ETAG,
)
DATA_VIEWS: HassKey[bool] = HassKey(f"{DOMAIN}_views")
STREAM_URL = "/api/emby_connect/stream/{system_id}/{item_id}/{kind}/{profile}"
IMAGE_URL = "/api/emby_connect/image/{system_id}/{item_id}/{image_type}/{tag}"


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamChoice:
    """How an item reaches a device: as stored (its container), or transcoded."""

    kind: EmbyMediaType
    container: str | None  # None: transcoded
    mime_type: str

    @property
    def profile(self) -> str:
        """Return the path segment naming the choice."""
        return self.container or TRANSCODE


def stream_choice(item: MediaItem) -> StreamChoice | None:
    """Return how an item is streamed: direct when its container fits (None: it does not play)."""
    kind = item.media_type
    if item.is_folder or kind not in DIRECT_CONTAINERS:
        return None
    container = (item.container or "").split(",")[0].strip().lower()
    if container in DIRECT_CONTAINERS[kind]:
        return StreamChoice(kind=kind, container=container, mime_type=MIME_TYPES[container])
    return StreamChoice(kind=kind, container=None, mime_type=TRANSCODE_MIME_TYPES[kind])


def stream_path(system_id: str, item_id: str, choice: StreamChoice) -> str:
    """Return the (unsigned) path of an item's stream."""
    return STREAM_URL.format(
        system_id=quote(system_id, safe=""),
        item_id=quote(item_id, safe=""),
        kind=choice.kind.value.lower(),
        profile=choice.profile,
    )


def image_path(system_id: str, image: ImageRef) -> str:
    """Return the (unsigned) path of an item's picture."""
    return IMAGE_URL.format(
        system_id=quote(system_id, safe=""),
        item_id=quote(image.item_id, safe=""),
        image_type=image.image_type.value,
        tag=quote(image.tag or "-", safe=""),
    )


@callback
def async_register_views(hass: HomeAssistant) -> None:
    """Serve the streams and pictures, once, as soon as Home Assistant's HTTP server is there.

    A device keeps the path it was given: after a restart it must still find the view,
    whether or not anyone has browsed the media source since.
    """
    if hass.data.get(DATA_VIEWS) or getattr(hass, "http", None) is None:
        return
    hass.http.register_view(EmbyStreamView(hass))
    hass.http.register_view(EmbyImageView(hass))
    hass.data[DATA_VIEWS] = True


def loaded_entries(hass: HomeAssistant) -> dict[str, EmbyConfigEntry]:
    """Return the set-up servers by SystemId."""
    entries: list[EmbyConfigEntry] = hass.config_entries.async_loaded_entries(DOMAIN)
    return {entry.runtime_data.connection.system_id: entry for entry in entries}


class _EmbyServerView(HomeAssistantView):
    """A view of one loaded server's media, reached by a signed path (or a signed-in user)."""

    requires_auth = True

    def __init__(self, hass: HomeAssistant) -> None:
        """Initialize the view."""
        self.hass = hass

    def _entry(self, system_id: str) -> EmbyConfigEntry:
        """Return a server's entry, or answer 404."""
        if (entry := loaded_entries(self.hass).get(system_id)) is None:
            raise web.HTTPNotFound
        return entry


class EmbyStreamView(_EmbyServerView):
    """Proxy one item's stream, passing Range on; HEAD answers what GET would, without the body."""

    url = STREAM_URL
    name = f"api:{DOMAIN}:stream"

    async def get(
        self, request: web.Request, system_id: str, item_id: str, kind: str, profile: str
    ) -> web.StreamResponse:
        """Open the server's stream and copy it to the device, a chunk at a time."""
        if (media_type := _KINDS.get(kind)) is None or not _PROFILE.match(profile):
            raise web.HTTPNotFound
        entry = self._entry(system_id)
        direct = profile != TRANSCODE
        item = MediaItem(
            id=item_id, name="", media_type=media_type, container=profile if direct else None
        )
        response = web.StreamResponse()
        try:
            server = await entry.runtime_data.connection.async_client()
            library = EmbyLibrary(server)
            stream = library.stream_request(item, direct=direct)
            async with library.open_stream(
                stream, byte_range=request.headers.get(hdrs.RANGE)
            ) as upstream:
                response.set_status(upstream.status)
                for name in _PASSED_HEADERS:
                    if (value := upstream.headers.get(name)) is not None:
                        response.headers[name] = value
                if stream.mime_type:
                    response.headers.setdefault(hdrs.CONTENT_TYPE, stream.mime_type)
                await response.prepare(request)
                if request.method != hdrs.METH_HEAD:
                    async for chunk in upstream.content.iter_chunked(CHUNK_BYTES):
                        await response.write(chunk)
        except EmbyNotFoundError as err:
            if response.prepared:
                return response
            raise web.HTTPNotFound from err
        except EmbyError as err:
            if response.prepared:
                # The device went away, or the server broke off: nothing more to send.
                return response
            raise web.HTTPBadGateway from err
        await response.write_eof()
        return response

    head = get


class EmbyImageView(_EmbyServerView):
    """Serve one item's picture for the media source."""

    url = IMAGE_URL
    name = f"api:{DOMAIN}:image"

    async def get(
        self, request: web.Request, system_id: str, item_id: str, image_type: str, tag: str
    ) -> web.Response:
        """Fetch the picture from the server, the token in a header."""
        kind = next((member for member in ImageType if member.value == image_type), None)
        if kind is None:
            raise web.HTTPNotFound
        entry = self._entry(system_id)
        image = ImageRef(item_id=item_id, image_type=kind, tag=None if tag == "-" else tag)
        try:
            data = await entry.runtime_data.connection.async_call(
                lambda server: EmbyLibrary(server).fetch_image(image, max_width=THUMBNAIL_WIDTH)
            )
        except EmbyNotFoundError as err:
            raise web.HTTPNotFound from err
        except EmbyError as err:
            raise web.HTTPBadGateway from err
        return web.Response(
            body=data.content,
            content_type=data.content_type,
            headers={hdrs.CACHE_CONTROL: "private, max-age=3600"},
            status=HTTPStatus.OK,
        )
