"""HTTPS servers with a self-signed certificate made at runtime."""

from __future__ import annotations

import ipaddress
import ssl

import aiohttp
from cryptography import x509
import pytest

from embysim import EmbySimulator, generate_tls_material

from .helpers import connect_servers, exchange


async def test_https_server_verifies_with_its_certificate(http, emby_sim: EmbySimulator) -> None:
    server = await emby_sim.add_server(name="Secure", https=True, base_path="/emby")
    assert server.url.startswith("https://127.0.0.1:")
    assert server.remote.url.startswith("https://127.0.0.1:")
    context = server.ssl_context()
    assert context is not None
    for url in (server.url, server.remote.url):
        async with http.get(f"{url}/System/Info/Public", ssl=context) as response:
            assert (await response.json())["LocalAddress"] == server.url


async def test_https_server_is_refused_by_default_trust(http, emby_sim) -> None:
    server = await emby_sim.add_server(name="Secure", https=True)
    with pytest.raises(aiohttp.ClientConnectorCertificateError):
        await http.get(f"{server.url}/System/Info/Public")
    async with http.get(f"{server.url}/System/Info/Public", ssl=False) as response:
        assert response.status == 200


async def test_https_connect_flow(http, emby_sim) -> None:
    user = emby_sim.add_connect_user(name="demo", password="demo-password")
    server = await emby_sim.add_server(name="Secure", https=True)
    link = emby_sim.link(user, server, local_user=server.add_user("alice", "pw", is_admin=True))
    (listed,) = await connect_servers(http, emby_sim, user)
    assert listed["Url"].startswith("https://")
    assert listed["LocalAddress"].startswith("https://")
    http_with_tls = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=server.ssl_context()))
    async with http_with_tls:
        assert (await exchange(http_with_tls, server, link))["LocalUserId"] == link.local_user.id


async def test_plain_server_has_no_certificate(emby_sim) -> None:
    server = await emby_sim.add_server(name="Plain")
    assert server.certificate_pem is None
    assert server.ssl_context() is None


def test_certificate_names_loopback_and_localhost() -> None:
    material = generate_tls_material()
    certificate = x509.load_pem_x509_certificate(material.certificate_pem.encode())
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert ipaddress.ip_address("127.0.0.1") in names.get_values_for_type(x509.IPAddress)
    common_name = certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value
    assert common_name == "127.0.0.1"
    assert isinstance(material.server_context(), ssl.SSLContext)
    assert "PRIVATE KEY" not in repr(material)
