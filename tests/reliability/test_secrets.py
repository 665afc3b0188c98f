"""Secrets: nothing Home Assistant shows or writes down holds one, and none goes astray.

One world goes through the fault matrix back to back (servers through Emby Connect and by
address, a neighbour answering at a local address, revoked tokens and AccessKeys, Emby Connect
down and refusing, sign-ins again, a moved server, a server removed from the account) while
everything is collected at debug level: every log record with its traceback, every error kept
by a coordinator or an entry, the diagnostics of every entry at every stage, every repair issue
and flow in progress, every state. None may contain a password, an Emby Connect token, an
AccessKey or an access token. The simulator's records prove that every secret reached only the
server (or Emby Connect) it belongs to. Each row of test_fault_matrix runs the same checks.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import json
import logging
import traceback
from typing import Any

from homeassistant.components import media_source
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest

from custom_components.emby_connect.const import CONF_ACCESS_TOKEN, DOMAIN, LOGGER
from embysim import ConnectFault, Fault, SimServer
from embysim.catalog import LibrarySpec, generate

from .conftest import ADMIN_NAME, ADMIN_PASSWORD, CONNECT_PASSWORD, Stack, report

HOUR = 3600.0


class Audit:
    """Run the checks at each stage and count what was checked."""

    def __init__(self, stack: Stack) -> None:
        """Start with nothing checked."""
        self.stack = stack
        self.stages = 0
        self.texts = 0
        self.streams = 0

    async def stage(self) -> None:
        """Check everything shown so far, and where every secret went."""
        self.texts += await self.stack.assert_no_secret_shown()
        media = await _media_texts(self.stack)
        for text in media:
            for secret in self.stack.secrets:
                assert secret not in text, f"a secret is shown in: {text[:300]}"
        self.texts += len(media)
        self.streams += sum(f"/api/{DOMAIN}/stream/" in text for text in media)
        self.stack.assert_secrets_stayed_home()
        self.stages += 1


async def _media_texts(stack: Stack) -> list[str]:
    """Return what browsing shows of every loaded server: answers, thumbnails, paths, errors.

    The media source's views, the first page of each library, and the path an item resolves to
    (what a cast target receives); an error instead where the server fails, its message too.
    """
    texts: list[str] = []
    hass = stack.hass
    for entry in hass.config_entries.async_loaded_entries(DOMAIN):
        try:
            views = await media_source.async_browse_media(
                hass, f"media-source://{DOMAIN}/{entry.unique_id}/"
            )
            texts.append(json.dumps(views.as_dict()))
            for view in views.children or ():
                page = await media_source.async_browse_media(hass, view.media_content_id)
                texts.append(json.dumps(page.as_dict()))
                for child in (page.children or [])[:1]:
                    if child.can_play:
                        played = await media_source.async_resolve_media(
                            hass, child.media_content_id, None
                        )
                        texts.append(played.url)
        except HomeAssistantError as err:
            texts.extend([str(err), repr(err), "".join(traceback.format_exception(err))])
    return texts


async def _sign_in_again(stack: Stack, username: str, password: str) -> None:
    """Complete every reauthentication flow in progress (one sign-in may end the others)."""
    while flows := stack.reauth_flows():
        result = await stack.hass.config_entries.flow.async_configure(
            flows[0]["flow_id"], {CONF_USERNAME: username, CONF_PASSWORD: password}
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "reauth_successful"
        await stack.hass.async_block_till_done()


async def _through(
    stack: Stack,
    audit: Audit,
    server: SimServer,
    break_it: Callable[[], Awaitable[None] | None],
    mend_it: Callable[[], Awaitable[None] | None],
) -> None:
    """Break a server until it shows as lost, check, mend it until it shows the truth, check."""
    if (result := break_it()) is not None:
        await result
    await stack.until(lambda: stack.shows_lost(server), what=f"{server.name} lost")
    await audit.stage()
    if (result := mend_it()) is not None:
        await result
    await stack.until(lambda: stack.shows_truth(server), what=f"{server.name} back")


def _set_fault(server: SimServer, fault: Fault) -> Callable[[], None]:
    """Return a function that sets a fault on a server."""

    def _set() -> None:
        server.fault = fault

    return _set


async def test_no_secret_shown_or_sent_astray(stack: Stack) -> None:
    """Across the fault matrix, no text shown holds a secret and no secret goes astray."""
    hass = stack.hass
    assert await async_setup_component(hass, "repairs", {})
    audit = Audit(stack)
    neighbour = await stack.add_server("Neighbour", link=False)
    living = await stack.add_server("Living Room")
    basement = await stack.add_server("Basement")
    office = await stack.add_server("Office", link=False)
    await _browsable(stack, living, basement, office)
    # Living Room's local address answers as the neighbour.
    living.local_address = neighbour.local_address
    entries = await stack.add_connect_entries(living, basement)
    manual = await stack.add_manual_entry(office)
    for server in (living, basement, office):
        await stack.until(lambda s=server: stack.shows_truth(s), what=f"{server.name} first")
    await audit.stage()

    # The server side of the matrix.
    await _through(stack, audit, basement, basement.stop, basement.start)
    for fault in (Fault.HANGING, Fault.HTTP_500, Fault.MALFORMED_JSON, Fault.HTML_200):
        await _through(
            stack, audit, basement, _set_fault(basement, fault), _set_fault(basement, Fault.NONE)
        )
    basement.latency = 1.0
    await stack.until(lambda: stack.shows_lost(basement), what="slow basement lost")
    basement.latency = 0.0
    await stack.until(lambda: stack.shows_truth(basement), what="basement back")

    # Tokens: exchanged again for a Connect server, signed in again for a server by address.
    basement.revoke_tokens()
    office.revoke_tokens()
    await stack.until(lambda: bool(stack.reauth_flows()), what="a reauth flow for the office")
    await audit.stage()
    await _sign_in_again(stack, ADMIN_NAME, ADMIN_PASSWORD)
    await stack.until(lambda: stack.shows_truth(office), what="office back")
    await stack.until(lambda: stack.shows_truth(basement), what="basement back")

    # A rotated AccessKey (after the five minutes between server list reads) and a move.
    await stack.polls(12)
    (link,) = basement.links
    basement.retired_access_keys.add(link.access_key)
    link.access_key = "rotated-access-key-9a8b7c6d5e4f3a2b"
    basement.revoke_tokens()
    await basement.move()
    await stack.until(lambda: stack.shows_truth(basement), what="moved basement back")
    await audit.stage()

    # Emby Connect down, then refusing the stored sign-in: sign in again.
    for fault in (ConnectFault.DOWN, ConnectFault.UNAUTHORIZED):
        stack.sim.connect_fault = fault
        await stack.polls(13, interval=300)
        await audit.stage()
    stack.sim.connect_fault = ConnectFault.NONE
    assert stack.reauth_flows()
    await _sign_in_again(stack, stack.user.name, CONNECT_PASSWORD)
    for server in (living, basement):
        await stack.until(lambda s=server: stack.shows_truth(s), what=f"{server.name} again")

    # Removed from the account: a repair issue, kept open while everything is checked again.
    stack.sim.unlink(stack.user, basement)
    await stack.until(lambda: bool(stack.issues()), limit=HOUR + 300, step=300, what="an issue")
    await audit.stage()

    _assert_every_kind_of_secret_known(stack, entries, manual)
    assert audit.streams >= 3  # the media source was browsed and resolved, not skipped
    assert stack.lines("", level=logging.DEBUG) > 0
    assert {record.path for record in neighbour.requests} == {"/System/Info/Public"}
    report(
        "secrets",
        f"{audit.stages} stages, {audit.texts} texts checked (log records with tracebacks, "
        f"errors, diagnostics, issues, flows, states), {len(stack.secrets)} secrets known, "
        f"{sum(len(server.requests) for server in stack.sim.servers)} server requests and "
        f"{len(stack.sim.connect_requests)} Emby Connect requests checked: nothing leaked",
    )


async def _browsable(stack: Stack, *servers: SimServer) -> None:
    """Set up the media source; give servers movies, songs and pictures to browse, a few each."""
    assert await async_setup_component(stack.hass, "media_source", {})
    for server in servers:
        generate(server.library, LibrarySpec(movies=3, series=1, artists=1, photo_albums=1))


def _assert_every_kind_of_secret_known(
    stack: Stack, entries: list[ConfigEntry], manual: ConfigEntry
) -> None:
    """Fail unless the audit looked for every kind of secret there is."""
    secrets = stack.secrets
    assert CONNECT_PASSWORD in secrets
    assert ADMIN_PASSWORD in secrets
    for user in stack.sim.connect_users:
        assert stack.sim.issued_connect_tokens(user) <= secrets
    for server in stack.sim.servers:
        assert set(server.tokens) <= secrets
        assert server.retired_access_keys <= secrets
        assert {link.access_key for link in server.links} <= secrets
    for entry in entries:
        assert entry.data["connect_token"] in secrets
    assert manual.data[CONF_ACCESS_TOKEN] in secrets
    # Exchanged tokens, Connect tokens and AccessKeys were all in play.
    assert len(stack.connect_secrets) >= 3
    assert sum(len(server.tokens) for server in stack.sim.servers) >= 5


def _fail_with(text: str) -> None:
    """Raise an error showing text."""
    raise ValueError(text)


@pytest.mark.parametrize("where", ["log", "issue", "log traceback"])
async def test_the_audit_finds_a_planted_secret(stack: Stack, where: str) -> None:
    """The audit is not blind: a secret planted in a log line or an issue is found."""
    server = await stack.add_server("Living Room")
    (entry,) = await stack.add_connect_entries(server)
    await stack.until(lambda: stack.shows_truth(server), what="the truth")
    await stack.assert_no_secret_shown()
    (link,) = server.links
    planted: Any = link.access_key
    if where == "log":
        LOGGER.debug("Planted %s", planted)
    elif where == "issue":
        ir.async_create_issue(
            stack.hass,
            DOMAIN,
            "planted",
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="server_removed",
            translation_placeholders={"name": planted},
        )
    else:
        try:
            _fail_with(planted)
        except ValueError:
            LOGGER.debug("Planted", exc_info=True)
    with pytest.raises(AssertionError, match="a secret is shown"):
        await stack.assert_no_secret_shown()
    assert entry.title == "Living Room"
