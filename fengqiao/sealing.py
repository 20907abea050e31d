"""Personal numbers at rest: sealed (AES-GCM) for showing on reveal, keyed-hashed for lookup.

A full ID number or phone is never stored in the clear, in any module: registry residents,
dispute parties, reporters. ``digest`` is an HMAC, so a search by full number is an indexed
equality without the number in the database, and a stolen table cannot be reversed by
hashing every possible ID (the key is not in the table). ``phone_columns`` and
``id_columns`` give the columns a record keeps for one number: sealed, hash, masked, last 4.

The key is ``FENGQIAO_REGISTRY_KEY`` (base64 of 32 bytes), else generated once into the data
directory; it is separate from SECRET_KEY so rotating the signing key loses nothing.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
import secrets

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from fengqiao.identity import mask_id_number
from fengqiao.privacy import mask_phone

_NONCE_BYTES = 12


KEY_ENVIRONMENT = "FENGQIAO_REGISTRY_KEY"
KEY_FILE_NAME = "registry_key"


@functools.cache
def _keys() -> tuple[AESGCM, bytes]:
    return _derived(_master_key())


def _derived(master: bytes) -> tuple[AESGCM, bytes]:
    # Two keys from one secret, so a leaked lookup key does not open the sealed values.
    seal_key = hmac.new(master, b"fengqiao-registry-seal", hashlib.sha256).digest()
    digest_key = hmac.new(master, b"fengqiao-registry-digest", hashlib.sha256).digest()
    return AESGCM(seal_key), digest_key


def _master_key() -> bytes:
    configured = os.environ.get(KEY_ENVIRONMENT)
    if configured:
        return base64.urlsafe_b64decode(configured)
    key_file = settings.DATA_DIR / KEY_FILE_NAME
    if not key_file.exists():
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii"))
        key_file.chmod(0o600)
    return base64.urlsafe_b64decode(key_file.read_text(encoding="ascii").strip())


def configured_master_key() -> tuple[bytes | None, str]:
    """The master key this installation seals with and where it is: ``(key, "environment")``
    or ``(key, "file")``, or ``(None, "")`` when there is none yet. Never makes one (backups
    read it; only sealing a first number creates the key file)."""
    configured = os.environ.get(KEY_ENVIRONMENT)
    if configured:
        return parse_master_key(configured), "environment"
    key_file = settings.DATA_DIR / KEY_FILE_NAME
    if key_file.exists():
        return parse_master_key(key_file.read_text(encoding="ascii")), "file"
    return None, ""


def parse_master_key(text: str) -> bytes:
    """The 32-byte key written as ``text`` (URL-safe base64, as in the key file); raises
    ValueError for anything else."""
    try:
        master = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (ValueError, UnicodeEncodeError) as error:
        raise ValueError("not base64") from error
    if len(master) != 32:
        raise ValueError("not 32 bytes")
    return master


def format_master_key(master: bytes) -> str:
    """The key as its file holds it."""
    return base64.urlsafe_b64encode(master).decode("ascii")


def key_fingerprint(master: bytes) -> str:
    """A short name for a master key that reveals nothing of it: tells two keys apart."""
    return hmac.new(master, b"fengqiao-registry-fingerprint", hashlib.sha256).hexdigest()[:16]


def unseal_with(master: bytes, token: str) -> str:
    """``unseal`` with the given master key instead of this installation's; raises
    ``cryptography.exceptions.InvalidTag`` when the key is not the one that sealed it."""
    cipher, _ = _derived(master)
    raw = base64.urlsafe_b64decode(token.encode("ascii"))
    return cipher.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], None).decode("utf-8")


def seal(value: str) -> str:
    """``value`` encrypted and authenticated, as ASCII ("" stays "")."""
    if not value:
        return ""
    cipher, _ = _keys()
    nonce = secrets.token_bytes(_NONCE_BYTES)
    sealed = cipher.encrypt(nonce, value.encode("utf-8"), None)
    return base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def unseal(token: str) -> str:
    """The value ``seal`` was given; raises ``cryptography.exceptions.InvalidTag`` if the
    token was altered or sealed with another key."""
    if not token:
        return ""
    cipher, _ = _keys()
    raw = base64.urlsafe_b64decode(token.encode("ascii"))
    return cipher.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], None).decode("utf-8")


def digest(value: str) -> str:
    """The keyed hash used to find a record by its full number ("" for blank)."""
    if not value:
        return ""
    _, key = _keys()
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def phone_columns(phone: str) -> dict[str, str]:
    """What a record stores for an E.164 phone (``phones.normalize_phone``): ``phone_sealed``
    for a reveal, ``phone_hash`` for exact lookup, ``phone_masked`` to show, ``phone_last4``
    to search by a tail."""
    return {
        "phone_sealed": seal(phone),
        "phone_hash": digest(phone),
        "phone_masked": mask_phone(phone),
        "phone_last4": phone[-4:],
    }


def id_columns(number: str) -> dict[str, str]:
    """The same for a normalised document number: ``id_sealed``, ``id_hash``, ``id_masked``,
    ``id_last4``."""
    return {
        "id_sealed": seal(number),
        "id_hash": digest(number),
        "id_masked": mask_id_number(number) if number else "",
        "id_last4": number[-4:],
    }


class SealedPhone:
    """For a model with the phone columns (``phone_sealed``, ``phone_hash``,
    ``phone_masked``, ``phone_last4``): write them from one number, read it back."""

    def set_phone(self, phone: str) -> None:
        """Store an E.164 phone that has passed ``phones.normalize_phone``, sealed."""
        for name, value in phone_columns(phone).items():
            setattr(self, name, value)

    @property
    def phone(self) -> str:
        """The full phone. Only ``registry.services.reveal`` shows it to people."""
        return unseal(self.phone_sealed)


class SealedIdNumber:
    """For a model with the ID columns (``id_sealed``, ``id_hash``, ``id_masked``,
    ``id_last4``): write them from one number, read it back."""

    def set_id_number(self, number: str) -> None:
        """Store an ID number that has passed ``identity.normalize_id_number``, sealed."""
        for name, value in id_columns(number).items():
            setattr(self, name, value)

    @property
    def id_number(self) -> str:
        """The full ID number. Only ``registry.services.reveal`` shows it to people."""
        return unseal(self.id_sealed)
