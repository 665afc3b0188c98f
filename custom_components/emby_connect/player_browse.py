"""What a client's player adds for browsing: its user's libraries, search, thumbnails."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import override

from homeassistant.components.media_player import MediaPlayerEntity
from homeassistant.components.media_player.browse_media import (
    BrowseMedia,
    SearchMedia,
    SearchMediaQuery,
)

from .aioemby import EmbyError, EmbyServer
from .aioemby.library import EmbyLibrary
from .aioemby.media_models import ClientCapabilities, ImageRef, MediaItem
from .browse import THUMBNAIL_WIDTH, LibraryBrowser, browse_error, image_id, parse_image_id
from .client_entity import EmbyClientEntity
from .coordinator import server_title


class EmbyBrowsingPlayer(EmbyClientEntity, MediaPlayerEntity):
    """A client's player browsing the libraries of the user watching on it."""

    def _library(self, server: EmbyServer) -> EmbyLibrary:
        """Return the libraries of the client's user, when Home Assistant may browse as them.

        An administrator's sign-in browses as the user of the client's session (the server
        answers with what that user may see); any other sign-in browses as itself.
        """
        session = self._session
        user_id = session.user_id if session is not None else None
        if user_id and (self._entry.runtime_data.is_admin or user_id == server.user_id):
            return EmbyLibrary(server, user_id=user_id)
        return EmbyLibrary(server)

    def _browser(self, server: EmbyServer) -> LibraryBrowser:
        """Return the browser of this player: only what its client can play is playable."""
        session = self._session
        capabilities = None if session is None else ClientCapabilities.from_session(session)

        def playable(item: MediaItem) -> bool:
            return (
                capabilities is not None
                and not item.is_folder
                and capabilities.can_play(item.media_type)
            )

        return LibraryBrowser(
            library=self._library(server),
            title=self._client_name,
            thumbnail=self._browse_thumbnail,
            playable=playable,
            searchable=True,
        )

    def _browse_thumbnail(self, content_type: str, content_id: str, image: ImageRef) -> str:
        """Return the picture's address on Home Assistant's media player proxy."""
        return self.get_browse_image_url(content_type, content_id, image_id(image))

    @override
    async def async_browse_media(
        self,
        media_content_type: str | None = None,
        media_content_id: str | None = None,
    ) -> BrowseMedia:
        """Return the user's libraries, or one page of a folder."""
        return await self._async_read(
            lambda browser: browser.browse(media_content_id), media_content_id
        )

    @override
    async def async_search_media(self, query: SearchMediaQuery) -> SearchMedia:
        """Return the items of the user's libraries whose names match."""
        return await self._async_read(lambda browser: browser.search(query), None)

    async def _async_read[T](
        self, read: Callable[[LibraryBrowser], Awaitable[T]], item_id: str | None
    ) -> T:
        """Read through a browser of the server; a failure names the server (and the item)."""
        try:
            return await self._entry.runtime_data.connection.async_call(
                lambda server: read(self._browser(server))
            )
        except EmbyError as err:
            raise browse_error(err, server_title(self._entry), item_id) from err

    @override
    async def async_get_browse_image(
        self,
        media_content_type: str,
        media_content_id: str,
        media_image_id: str | None = None,
    ) -> tuple[bytes | None, str | None]:
        """Fetch a browsed item's picture from the server, the token in a header."""
        if media_image_id is None or (image := parse_image_id(media_image_id)) is None:
            return None, None
        try:
            data = await self._entry.runtime_data.connection.async_call(
                lambda server: EmbyLibrary(server).fetch_image(image, max_width=THUMBNAIL_WIDTH)
            )
        except EmbyError:
            return None, None
        return data.content, data.content_type
