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

from Crypto.Cipher import AES
from Crypto.Hash import SHA256
from Crypto.Protocol.KDF import HKDF

SECRET_PREFIX: Final = "whsec_"  # noqa: S105 - the form of a secret, not one
_VERSION: Final = b"\x01"
_INFO: Final = b"openpolicy webhook secrets v1"
_NONCE: Final = 12
_TAG: Final = 16


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
        derived = HKDF(key.encode(), 32, salt=None, hashmod=SHA256, context=_INFO)
        assert isinstance(derived, bytes)  # one key asked, one key given
        self._key = derived

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
        nonce = os.urandom(_NONCE)
        cipher = AES.new(self._key, AES.MODE_GCM, nonce=nonce, mac_len=_TAG)
        cipher.update(self._aad(subscription_id))
        ciphertext, tag = cipher.encrypt_and_digest(secret.encode())
        return _VERSION + nonce + ciphertext + tag

    def open(self, subscription_id: int, sealed: bytes) -> str:
        if len(sealed) < 1 + _NONCE + _TAG or sealed[:1] != _VERSION:
            raise SealedSecretInvalid(f"subscription {subscription_id}: not a sealed secret of this version")
        nonce, ciphertext, tag = sealed[1 : 1 + _NONCE], sealed[1 + _NONCE : -_TAG], sealed[-_TAG:]
        cipher = AES.new(self._key, AES.MODE_GCM, nonce=nonce, mac_len=_TAG)
        cipher.update(self._aad(subscription_id))
        try:
            return cipher.decrypt_and_verify(ciphertext, tag).decode()
        except ValueError:  # the tag does not verify
            raise SealedSecretInvalid(
                f"subscription {subscription_id}: the secret does not open with WEBHOOK_SECRETS_KEY"
            ) from None
