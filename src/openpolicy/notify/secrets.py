"""Webhook signing secrets: made here, shown once, stored encrypted.

A secret is ``whsec_`` + base64 of 32 random bytes (the Standard Webhooks form). The notifier must read it to
sign, so it cannot be stored as a digest like an API key: it is sealed with AES-256-GCM under a key derived
(HKDF-SHA256) from the ``WEBHOOK_SECRETS_KEY`` setting, with the subscription's id as associated data, so a
database dump alone reveals no secret and a sealed secret copied to another row does not open. Format of a
sealed secret: version byte ``1``, 12-byte nonce, ciphertext with its tag.
"""

from __future__ import annotations

import base64
import os
import secrets as _random
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SECRET_PREFIX: Final = "whsec_"  # noqa: S105 - the form of a secret, not one
_VERSION: Final = b"\x01"
_INFO: Final = b"openpolicy webhook secrets v1"


class SecretsKeyMissing(RuntimeError):
    """``WEBHOOK_SECRETS_KEY`` is not set: secrets can be neither sealed nor opened."""


class SealedSecretInvalid(ValueError):
    """A sealed secret does not open with this key (another key, another row, or altered)."""


def new_secret() -> str:
    """A new signing secret: ``whsec_`` and base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(_random.token_bytes(32)).decode()


class SecretBox:
    """Seals and opens the signing secrets of subscriptions with one key (see the module docstring)."""

    def __init__(self, key: str) -> None:
        material = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(key.encode())
        self._aead = AESGCM(material)

    @classmethod
    def from_settings(cls, settings: object) -> SecretBox:
        value = getattr(settings, "webhook_secrets_key", None)
        if value is None:
            raise SecretsKeyMissing("WEBHOOK_SECRETS_KEY is not set")
        return cls(value.get_secret_value())

    @staticmethod
    def _aad(subscription_id: int) -> bytes:
        return f"webhook_subscriptions:{subscription_id}".encode()

    def seal(self, subscription_id: int, secret: str) -> bytes:
        nonce = os.urandom(12)
        return _VERSION + nonce + self._aead.encrypt(nonce, secret.encode(), self._aad(subscription_id))

    def open(self, subscription_id: int, sealed: bytes) -> str:
        if len(sealed) < 1 + 12 + 16 or sealed[:1] != _VERSION:
            raise SealedSecretInvalid(f"subscription {subscription_id}: not a sealed secret of this version")
        try:
            return self._aead.decrypt(sealed[1:13], sealed[13:], self._aad(subscription_id)).decode()
        except InvalidTag:
            raise SealedSecretInvalid(
                f"subscription {subscription_id}: the secret does not open with WEBHOOK_SECRETS_KEY"
            ) from None
