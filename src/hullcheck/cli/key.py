"""``hullcheck key generate``: an ECDSA P-256 key pair in cosign's format."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from hullcheck.errors import InputError
from hullcheck.provenance import keys
from hullcheck.provenance.password import read_password


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "key",
        help="generate a signing key pair (cosign's format)",
        description="Manage signing keys. Keys are cosign-compatible both ways.",
    )
    sub = parser.add_subparsers(dest="key_command", metavar="ACTION", required=True)
    gen = sub.add_parser(
        "generate",
        help="write PREFIX.key (encrypted, cosign's format) and PREFIX.pub",
        description="Generate an ECDSA P-256 key pair. The private key is encrypted with "
        "scrypt + NaCl secretbox exactly as cosign writes it; the password comes from "
        "HULLCHECK_PASSWORD, else COSIGN_PASSWORD, else a prompt.",
    )
    gen.add_argument("--output-prefix", default="cosign", help="file name prefix (cosign)")
    gen.add_argument("--force", action="store_true", help="overwrite existing key files")
    gen.set_defaults(func=run_generate)


def _write_new(path: Path, data: bytes, mode: int, force: bool) -> None:
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if force else os.O_EXCL)
    try:
        fd = os.open(path, flags, mode)
    except FileExistsError:
        raise InputError(f"{path} exists (use --force to overwrite)") from None
    except OSError as err:
        raise InputError(f"{path}: cannot write: {err.strerror or err}") from None
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def run_generate(args: argparse.Namespace) -> int:
    prefix = Path(args.output_prefix)
    priv_path, pub_path = Path(f"{prefix}.key"), Path(f"{prefix}.pub")
    if not args.force:
        for path in (priv_path, pub_path):
            if path.exists():
                raise InputError(f"{path} exists (use --force to overwrite)")
    password = read_password(str(priv_path), confirm=True)
    key = keys.generate()
    private_pem = keys.encrypted_private_pem(key, password)
    _write_new(priv_path, private_pem, 0o600, args.force)
    _write_new(pub_path, keys.public_pem(key.public_key()), 0o644, args.force)
    print(f"Private key written to {priv_path}", file=sys.stderr)
    print(f"Public key written to {pub_path}", file=sys.stderr)
    return 0
