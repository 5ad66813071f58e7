"""Personal data at rest: AES-GCM field encryption, keyed digests, API-key hashing.

ID numbers, phone numbers and document numbers are stored only as ciphertext
(``v1:`` + base64 of nonce + ciphertext + tag) and are never decrypted to be
shown; the key comes from ``ANXIN_DATA_KEY`` (or, in development, is derived
from ``ANXIN_SECRET_KEY``). A keyed HMAC digest lets the server find the same
ID number twice without decrypting anything.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_VERSION = "v1:"


class FieldCipher:
    """Encrypts and decrypts single text fields with AES-256-GCM."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("the data key must be 32 bytes")
        self._aead = AESGCM(_derive(key, b"anxin field encryption v1"))
        self._mac_key = _derive(key, b"anxin blind index v1")

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> FieldCipher:
        data_key = settings.get("ANXIN_DATA_KEY")
        if data_key:
            return cls(base64.b64decode(data_key))
        return cls(hashlib.sha256(str(settings["ANXIN_SECRET_KEY"]).encode()).digest())

    def encrypt(self, plaintext: str, context: str = "") -> str:
        """Encrypt ``plaintext``; ``context`` (e.g. "worker.phone") binds it to its column."""
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode("utf-8"), context.encode())
        return _VERSION + base64.b64encode(nonce + sealed).decode("ascii")

    def decrypt(self, token: str, context: str = "") -> str:
        if not token.startswith(_VERSION):
            raise ValueError("unknown ciphertext version")
        raw = base64.b64decode(token[len(_VERSION):])
        return self._aead.decrypt(raw[:12], raw[12:], context.encode()).decode("utf-8")

    def digest(self, value: str, context: str = "") -> str:
        """A keyed digest of ``value``: equal values give equal digests, nothing else is revealed."""
        return hmac.new(self._mac_key, f"{context}\0{value}".encode(), hashlib.sha256).hexdigest()


def init_app(app: Any) -> None:
    """Make the app's field cipher (``app.extensions["anxin_cipher"]``) from its settings."""
    app.extensions["anxin_cipher"] = FieldCipher.from_settings(app.config)


def _derive(key: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(key)


def new_api_key() -> str:
    """A fresh agency API key: 32 random bytes, URL-safe."""
    return "ak_" + secrets.token_urlsafe(32)


def hash_api_key(key: str) -> str:
    """API keys are stored as SHA-256: they are random, so no slow hash is needed."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()
