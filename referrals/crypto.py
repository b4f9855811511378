"""Children's identity at rest: fields encrypted with Fernet keys from settings
(django-encrypted-model-fields), and a keyed digest of the case reference so a child can still
be found by it and kept unique per authority without storing it in clear (ADR 0013).

The digest key is derived from the primary encryption key: rotating keys means running
`manage.py rotate_child_keys`, which re-encrypts every row and recomputes every digest.
"""

import base64
import hashlib
import hmac

from django.conf import settings


def _keys():
    keys = settings.FIELD_ENCRYPTION_KEY
    return list(keys) if isinstance(keys, (list, tuple)) else [keys]


def normalise_reference(value):
    return (value or "").strip().upper()


def reference_digest(value, key=None):
    """HMAC-SHA256 of the normalised case reference under the primary key (hex)."""
    key = key or _keys()[0]
    secret = hashlib.sha256(b"child-case-reference:" + base64.urlsafe_b64decode(key)).digest()
    return hmac.new(secret, normalise_reference(value).encode(), hashlib.sha256).hexdigest()


def reference_digests(value):
    """The digest under each configured key, newest first (for lookups during a rotation)."""
    return [reference_digest(value, key) for key in _keys()]
