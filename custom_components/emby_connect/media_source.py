"""The media source "Emby": every configured server's libraries, playable on any media player.

Identifiers are "<SystemId>/<node id>" (browse.BrowseId: an item, or a page of a folder). An
item resolves to a signed, expiring Home Assistant path that proxies the stream (media_proxy):
the target device never receives the server's address or token.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, override

from homeassistant.components.http.auth import async_sign_path
from homeassistant.components.media_player.const import CONTENT_AUTH_EXPIRY_TIME, MediaClass
from homeassistant.components.media_source import (
    BrowseMediaSource,
    MediaSource,
    MediaSourceItem,
    PlayMedia,
    Unresolvable,
)
from homeassistant.core import HomeAssistant

from .aioemby import EmbyError
from .aioemby.library import EmbyLibrary
from .aioemby.media_models import ImageRef
from .browse import BrowseId, LibraryBrowser, browse_error, directory
from .const import DOMAIN
from .coordinator import EmbyConfigEntry, server_title
from .media_proxy import (
    async_register_views,
    image_path,
    loaded_entries,
    stream_choice,
    stream_path,
)

# How long a thumbnail's signed path opens the picture: a browsing session, not for good.
THUMBNAIL_EXPIRY = timedelta(hours=1)


def _source_node(*, media_content_id: str, **kwargs: Any) -> BrowseMediaSource:
    """Return a node of the media source's own tree ("": its root, the servers)."""
    return BrowseMediaSource(domain=DOMAIN, identifier=media_content_id or None, **kwargs)


async def async_get_media_source(hass: HomeAssistant) -> MediaSource:
    """Set up the Emby media source and the views that serve its streams and pictures."""
    async_register_views(hass)
    return EmbyMediaSource(hass)


class EmbyMediaSource(MediaSource):
    """Browse and play the libraries of every configured Emby server."""

    name = "Emby"

    def __init__(self, hass: HomeAssistant) -> None:
        """Initialize the media source."""
        super().__init__(DOMAIN)
        self.hass = hass

    def _entry(self, system_id: str) -> EmbyConfigEntry:
        """Return the loaded entry of a server, or refuse the identifier."""
        if (entry := loaded_entries(self.hass).get(system_id)) is None:
            raise Unresolvable(
                translation_domain=DOMAIN,
                translation_key="server_not_found",
                translation_placeholders={"system_id": system_id},
            )
        return entry

    @override
    async def async_resolve_media(self, item: MediaSourceItem) -> PlayMedia:
        """Return a signed path that streams the item through Home Assistant."""
        system_id, _, node = item.identifier.partition("/")
        entry = self._entry(system_id)
        item_id = BrowseId.parse(node).item_id
        if item_id is None:
            raise Unresolvable(
                translation_domain=DOMAIN,
                translation_key="media_not_playable",
                translation_placeholders={"item": item.identifier},
            )
        try:
            media = await entry.runtime_data.connection.async_call(
                lambda server: EmbyLibrary(server).get_item(item_id)
            )
        except EmbyError as err:
            raise browse_error(err, server_title(entry), item_id) from err
        if (choice := stream_choice(media)) is None:
            raise Unresolvable(
                translation_domain=DOMAIN,
                translation_key="media_not_playable",
                translation_placeholders={"item": media.name or item_id},
            )
        path = stream_path(system_id, media.id, choice)
        signed = async_sign_path(self.hass, path, timedelta(seconds=CONTENT_AUTH_EXPIRY_TIME))
        return PlayMedia(signed, choice.mime_type)

    @override
    async def async_browse_media(self, item: MediaSourceItem) -> BrowseMediaSource:
        """Return the servers, a server's libraries, or one page of a folder."""
        entries = loaded_entries(self.hass)
        if not item.identifier and len(entries) != 1:
            return self._servers(entries)
        if not item.identifier:
            system_id, node = next(iter(entries)), ""
        else:
            system_id, _, node = item.identifier.partition("/")
        entry = self._entry(system_id)
        title = server_title(entry)

        def make(*, media_content_id: str, **kwargs: Any) -> BrowseMediaSource:
            return BrowseMediaSource(
                domain=DOMAIN, identifier=f"{system_id}/{media_content_id}", **kwargs
            )

        def thumbnail(_content_type: str, _content_id: str, image: ImageRef) -> str:
            path = image_path(system_id, image)
            return async_sign_path(self.hass, path, THUMBNAIL_EXPIRY)

        try:
            node_media = await entry.runtime_data.connection.async_call(
                lambda server: LibraryBrowser(
                    library=EmbyLibrary(server), title=title, thumbnail=thumbnail, node=make
                ).browse(node)
            )
        except EmbyError as err:
            raise browse_error(err, title, BrowseId.parse(node).item_id) from err
        assert isinstance(node_media, BrowseMediaSource)  # noqa: S101 - made by make()
        return node_media

    def _servers(self, entries: dict[str, EmbyConfigEntry]) -> BrowseMediaSource:
        """Return one node per configured server."""
        children = [
            directory(_source_node, f"{system_id}/", server_title(entry))
            for system_id, entry in sorted(
                entries.items(), key=lambda pair: server_title(pair[1]).casefold()
            )
        ]
        return directory(
            _source_node,
            "",
            self.name,
            children=children,
            children_media_class=MediaClass.DIRECTORY,
        )
