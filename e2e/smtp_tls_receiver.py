"""A real SMTP server with TLS and sign-in, for the mail-security tests.

Usage: python3 smtp_tls_receiver.py FOLDER MODE USER PASSWORD
MODE is "starttls" (plain connection, STARTTLS required before anything else) or
"implicit" (TLS from the first byte, as on port 465). Both require the client to sign
in with USER and PASSWORD before sending. A test authority and a certificate it signs
for "localhost" are made at start, the authority written to FOLDER/ca.pem (the client
trusts it explicitly); every
message received is saved into FOLDER as NNNN.eml, beside NNNN.meta (the sign-in name
and whether the session was encrypted). Prints "port N" once listening on
127.0.0.1:N, and stops when its standard input closes.
"""
import asyncio
import datetime
import ipaddress
import pathlib
import ssl
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def certificates(folder):
    """A test authority (FOLDER/ca.pem, the one the client trusts) and, signed by it, the
    server's certificate for "localhost" and 127.0.0.1."""
    now = datetime.datetime.now(datetime.timezone.utc)

    def build(subject, issuer, public_key, signing_key, ca):
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if not ca:
            builder = builder.add_extension(
                x509.SubjectAlternativeName(
                    [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
                ),
                critical=False,
            ).add_extension(
                x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
            )
        return builder.sign(signing_key, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "OpenVisit test authority")])
    ca = build(ca_name, ca_name, ca_key.public_key(), ca_key, True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    cert = build(name, ca_name, key.public_key(), ca_key, False)
    pem = lambda c: c.public_bytes(serialization.Encoding.PEM)
    (folder / "ca.pem").write_bytes(pem(ca))
    chain_path = folder / "server.pem"
    key_path = folder / "key.pem"
    chain_path.write_bytes(pem(cert) + pem(ca))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(chain_path, key_path)
    return context


class Save:
    def __init__(self, folder):
        self.folder = folder
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        stem = self.folder / f"{self.count:04}"
        stem.with_suffix(".eml").write_bytes(envelope.original_content or envelope.content)
        user = session.auth_data.login.decode() if session.authenticated else ""
        # STARTTLS shows in the session; implicit TLS only on the transport.
        encrypted = (
            session.ssl is not None
            or server.transport.get_extra_info("ssl_object") is not None
        )
        stem.with_suffix(".meta").write_text(f"user={user}\nencrypted={encrypted}\n")
        return "250 Message accepted"


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == user
            and auth_data.password.decode() == password
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    return check


# Implicit TLS is TLS from the first byte, which aiosmtpd's check of AUTH does not see.
warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
warnings.filterwarnings("ignore", message="Session.login_data is deprecated")


async def main():
    folder = pathlib.Path(sys.argv[1])
    mode, user, password = sys.argv[2], sys.argv[3], sys.argv[4]
    context = certificates(folder)
    loop = asyncio.get_running_loop()
    handler = Save(folder)
    check = authenticator(user, password)
    if mode == "starttls":
        factory = lambda: SMTP(
            handler,
            tls_context=context,
            require_starttls=True,
            auth_required=True,
            authenticator=check,
        )
        server = await loop.create_server(factory, "127.0.0.1", 0)
    elif mode == "implicit":
        factory = lambda: SMTP(
            handler, auth_required=True, auth_require_tls=False, authenticator=check
        )
        server = await loop.create_server(factory, "127.0.0.1", 0, ssl=context)
    else:
        raise SystemExit(f"unknown mode {mode}")
    print(f"port {server.sockets[0].getsockname()[1]}", flush=True)
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()


asyncio.run(main())
