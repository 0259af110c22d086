"""How both Python clients reach a server: plaintext or TLS, with or without a bearer token.

The options match the Java CLI's: --tls trusts the system's certificate authorities, --ca-file
trusts one CA's PEM file (and implies TLS), --token-file names a file holding the token (else
$ENAS_TOKEN, else none). The token travels as "authorization: Bearer TOKEN" on every call.
"""
import os

import grpc


def open_channel(target, tls=False, ca_file=None):
    """A channel to target: TLS when tls or ca_file is given (ca_file's CA, else the system's)."""
    if not tls and ca_file is None:
        return grpc.insecure_channel(target)
    root = None
    if ca_file is not None:
        with open(ca_file, "rb") as f:
            root = f.read()
    return grpc.secure_channel(target, grpc.ssl_channel_credentials(root_certificates=root))


def call_metadata(token):
    """The metadata every call sends: the bearer token, or nothing."""
    return (("authorization", "Bearer " + token),) if token else None


def read_token(token_file=None):
    """The token in token_file (surrounding white space removed), else $ENAS_TOKEN, else None."""
    if token_file is None:
        return os.environ.get("ENAS_TOKEN") or None
    with open(token_file, encoding="utf-8") as f:
        token = f.read().strip()
    if not token:
        raise ValueError("--token-file: %s is empty; it should hold one token" % token_file)
    return token


def add_arguments(parser):
    """The connection options, for an argparse parser."""
    parser.add_argument("--tls", action="store_true",
                        help="connect over TLS, trusting the system's certificate authorities")
    parser.add_argument("--ca-file", metavar="FILE",
                        help="connect over TLS, trusting this CA certificate (PEM)")
    parser.add_argument("--token-file", metavar="FILE",
                        help="a file holding the server's bearer token (default: $ENAS_TOKEN)")
