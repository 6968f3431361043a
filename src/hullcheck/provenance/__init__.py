"""Provenance: keys, cosign signatures, DSSE/in-toto attestations, verification, pinning.

Interoperable with cosign (the ``sha256-<hex>.sig`` / ``.att`` tag scheme, simple-signing
payloads, encrypted key PEMs) and BuildKit (attestation manifests in an image index).
All cryptography is done by ``cryptography`` and PyNaCl; nothing here is hand-written crypto.
"""
