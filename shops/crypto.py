"""Secrets at rest: Fernet ciphertext in the database, keys from FIELD_ENCRYPTION_KEYS (newest first).

Decryption failure raises: a wrong key must never send ciphertext to eTelecom as if it were an API key.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


class DecryptionError(Exception):
    """No configured key opens this ciphertext (a key was dropped from FIELD_ENCRYPTION_KEYS too early)."""


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS holds a value that is not a Fernet key") from exc


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    try:
        return fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        raise DecryptionError("no key in FIELD_ENCRYPTION_KEYS decrypts this secret") from None


def rotate(ciphertext: str) -> str:
    """The same secret encrypted under the newest key."""
    try:
        return fernet().rotate(ciphertext.encode()).decode()
    except InvalidToken:
        raise DecryptionError("no key in FIELD_ENCRYPTION_KEYS decrypts this secret") from None


def hint(secret: str) -> str:
    """What a person may see of a secret: its last four characters."""
    return "…" + secret[-4:] if len(secret) > 8 else "…"


class EncryptedTextField(models.TextField):
    """Holds Fernet ciphertext, never plaintext. Read and write the secret through a `Secret` attribute;
    `rotate_encryption_keys` finds every field of this class."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)


class Secret:
    """`credential = Secret("credential_ciphertext")`: plaintext in, ciphertext stored; "" stays ""."""

    def __init__(self, field_name: str):
        self.field_name = field_name

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        ciphertext = getattr(instance, self.field_name)
        return decrypt(ciphertext) if ciphertext else ""

    def __set__(self, instance, value: str):
        setattr(instance, self.field_name, encrypt(value) if value else "")
