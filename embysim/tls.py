"""Self-signed TLS material for simulated HTTPS servers, made at runtime."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import ipaddress
from pathlib import Path
import ssl
import tempfile

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True, kw_only=True)
class TlsMaterial:
    """Hold a self-signed certificate (CN/SAN 127.0.0.1 and localhost) and its key, as PEM."""

    certificate_pem: str
    key_pem: str = field(repr=False)

    def server_context(self) -> ssl.SSLContext:
        """Return an SSL context a listener serves with."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        # load_cert_chain only reads files: write both to a private temporary directory.
        with tempfile.TemporaryDirectory(prefix="embysim-tls-") as folder:
            cert_path = Path(folder) / "cert.pem"
            key_path = Path(folder) / "key.pem"
            cert_path.write_text(self.certificate_pem, encoding="ascii")
            key_path.write_text(self.key_pem, encoding="ascii")
            context.load_cert_chain(cert_path, key_path)
        return context

    def client_context(self) -> ssl.SSLContext:
        """Return an SSL context for clients that trusts exactly this certificate."""
        context = ssl.create_default_context(cadata=self.certificate_pem)
        context.check_hostname = True
        return context


def generate_tls_material(common_name: str = "127.0.0.1", days: int = 30) -> TlsMaterial:
    """Generate a fresh self-signed certificate valid for 127.0.0.1, ::1 and localhost."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    x509.IPAddress(ipaddress.ip_address("::1")),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    return TlsMaterial(
        certificate_pem=certificate.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        key_pem=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode("ascii"),
    )
