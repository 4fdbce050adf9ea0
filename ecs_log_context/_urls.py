"""The one check of every metadata URL the library is given: from a variable or an argument."""

from __future__ import annotations

from .errors import ConfigurationError

__all__ = ["check_url"]


def check_url(name: str, value: object) -> str:
    """The URL without its trailing slash, if the library may ask it for metadata.

    Raises:
        ConfigurationError: not http(s), no host, a user:password, a query or fragment, a
            path naming credentials, or control characters.
    """
    from urllib.parse import unquote, urlsplit

    accepted = (
        "an http:// or https:// URL with a host and no user:password, query or credentials path"
    )
    if not isinstance(value, str):
        raise ConfigurationError(name, value, accepted)
    try:
        parts = urlsplit(value.strip())  # a URL is checked at construction only
        parts.port  # noqa: B018 -- raises ValueError on a malformed port
    except ValueError:
        raise ConfigurationError(name, value, accepted) from None
    if parts.username is not None or parts.password is not None:
        # Say what is wrong without repeating the password.
        shown = value.strip().replace(parts.netloc, "***@" + parts.netloc.rpartition("@")[2])
        raise ConfigurationError(name, shown, accepted)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.query
        or parts.fragment
        or "credentials" in unquote(parts.path).lower()
        or any(ord(ch) < 33 or ord(ch) == 127 for ch in value.strip())
    ):
        raise ConfigurationError(name, value, accepted)
    return value.strip().rstrip("/")
