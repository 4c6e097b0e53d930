"""Keeping credentials out of results, logs, messages and the page."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

MASK = "***"
_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^/\s:@]*)(?::[^/\s@]*)?@")
_KEY_VALUE = re.compile(r"(?i)\b(password|api_key|apikey|token|secret)=([^\s&]+)")


def mask_url(url: str) -> str:
    """The URL without its password (``postgresql://user:***@host/db``); the host stays, to be useful."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return MASK
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:{MASK}@{netloc}"))


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Text with every given secret, URL password and ``password=...`` value replaced by ***."""
    for secret in sorted((s for s in secrets if s and len(s) >= 3), key=len, reverse=True):
        text = text.replace(secret, MASK)
    text = _USERINFO.sub(lambda m: f"{m.group('scheme')}{m.group('user')}:{MASK}@", text)
    return _KEY_VALUE.sub(lambda m: f"{m.group(1)}={MASK}", text)
