"""Keeping credentials out of results, logs, messages and the page."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote, unquote, urlsplit, urlunsplit

MASK = "***"
# scheme://user:password@host — the password runs to the LAST "@" of the token, so a password holding an
# unencoded "/", "@" or ":" is masked whole (masking more than the password is the safe side)
_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^\s:/@]*):(?P<password>\S*)@(?P<host>[^\s@]*)")
_KEY_VALUE = re.compile(r"(?i)\b(password|api_key|apikey|token|secret)=([^\s&]+)")
FRAGMENT_MIN = 4  # shorter pieces of a password are too common to mask without garbling messages


def url_password(value: str) -> str | None:
    """The password of a ``scheme://user:password@host`` value, read before any URL parsing: everything
    between the first ":" after the user and the last "@" (so "/", "@", ":", "#", "%" and spaces in an
    unencoded password stay in it)."""
    _, separator, rest = value.partition("://")
    if not separator or "@" not in rest:
        return None
    userinfo = rest.rsplit("@", 1)[0]
    if ":" not in userinfo:
        return None
    return userinfo.split(":", 1)[1] or None


def secret_forms(secret: str) -> list[str]:
    """A secret as it may appear in messages: itself, URL-encoded and decoded, and the pieces a client
    library prints when it splits a malformed URL at "@", "/", ":", "#", "?" or a space. A whole URL is
    masked as itself and by the forms of its password (never by its host or port alone)."""
    password = url_password(secret)
    if password is not None:
        return sorted({secret, *secret_forms(password)}, key=len, reverse=True)
    forms = {secret, quote(secret, safe=""), unquote(secret)}
    forms.update(piece for piece in re.split(r"[@/:#? ]", secret) if len(piece) >= FRAGMENT_MIN)
    return sorted((form for form in forms if form), key=len, reverse=True)


def mask_url(url: str) -> str:
    """The URL without its password (``postgresql://user:***@host/db``); the host stays, to be useful."""
    password = url_password(url)
    if password is None:
        return url
    try:
        parts = urlsplit(url.replace(password, "x", 1))
    except ValueError:
        return MASK
    netloc = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:{MASK}@{netloc}"))


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Text with every given secret (in each of its forms), URL password and ``password=...`` value
    replaced by ***."""
    forms = {form for secret in secrets if secret and len(secret) >= 3 for form in secret_forms(secret)}
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, MASK)
    text = _USERINFO.sub(lambda m: f"{m.group('scheme')}{m.group('user')}:{MASK}@{m.group('host')}", text)
    return _KEY_VALUE.sub(lambda m: f"{m.group(1)}={MASK}", text)
