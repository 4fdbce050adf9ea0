"""Container image references as ECS reports them (``Image``): split into name, tag and digest.

A pure function without I/O that never raises. The grammar is distribution's
(github.com/distribution/reference, ``reference.go``)::

    reference := name [ ":" tag ] [ "@" digest ]
    name      := [ domain "/" ] path-component [ "/" path-component ]*
    domain    := host [ ":" port ]          (a domain name, "localhost" or "[" IPv6 "]")
    tag       := /[\\w][\\w.-]{0,127}/
    digest    := algorithm ":" hex          (sha256:<64 hex>)

The text is split by its structure alone, as Docker's parser did before that grammar existed:
the first ``@`` starts the digest; the last ``:`` that no ``/`` follows starts the tag, so the
colon of a registry's port (``host:5000/app``) or of an IPv6 address (``[::1]:5000/app``) never
does. On every reference the grammar accepts, this gives exactly the grammar's parts.

The characters are not checked against the grammar. This module reports what the endpoint says
a container runs; it does not pull images. ECS accepts task definitions that Docker would refuse
(upper case in the path is the usual one), and the agent reports them as written, so such a
reference still gives its name and tag instead of nothing. Only text that cannot be a reference
written in a task definition, or that is unsafe to show, gives None: empty text, text longer
than 4096 characters, and text holding whitespace or a character that :mod:`._text` escapes
(controls, bidirectional and zero-width characters, lone surrogates).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from ._text import unsafe

__all__ = ["MAX_LENGTH", "ImageReference", "parse_image"]

MAX_LENGTH = 4096
"""The longest text read as a reference; ECS itself limits ``image`` to 255 characters."""

_WHITESPACE = re.compile(r"\s")


class ImageReference(NamedTuple):
    """The parts of an image reference, as written: nothing is normalized.

    ``name`` is the reference without its tag and digest, registry and port kept
    (OpenTelemetry's ``container.image.name``: ``gcr.io/opentelemetry/operator``); ``nginx``
    stays ``nginx``, not ``docker.io/library/nginx``. It never ends with ``:``, and it is empty
    only when the text names no repository at all (``:latest``, ``@sha256:...``).

    ``tag`` is the tag (``1.25``), ``digest`` the content digest without its ``@``
    (``sha256:<64 hex>``); each is None when the reference has none (never an empty string).
    """

    name: str
    tag: str | None
    digest: str | None


def parse_image(reference: str) -> ImageReference | None:
    """Split an image reference into its name, tag and digest.

    Args:
        reference: The ``Image`` of a container: ``nginx``, ``host:5000/team/app:1.2``,
            ``public.ecr.aws/docker/library/busybox:stable``, ``app:1.2@sha256:<64 hex>``.

    Returns:
        The parts; None when ``reference`` is not a string, is empty, is longer than
        :data:`MAX_LENGTH`, or holds whitespace or an unsafe character (see the module's
        docstring). Any other text gives its parts, whether or not Docker would accept it.
    """
    if not isinstance(reference, str) or not reference or len(reference) > MAX_LENGTH:
        return None
    if _WHITESPACE.search(reference) or unsafe().search(reference):
        return None
    rest, _, digest = reference.partition("@")
    # Stray colons (``app:``, ``app::1``) are neither a tag nor part of the name: dropping them
    # keeps the parts stable, as parsing ``name[:tag][@digest]`` rebuilt from them gives them.
    rest = rest.rstrip(":")
    tag = None
    colon = rest.rfind(":")
    # A colon that a slash follows belongs to the registry (its port, an IPv6 address).
    if colon >= 0 and "/" not in rest[colon + 1 :]:
        rest, tag = rest[:colon].rstrip(":"), rest[colon + 1 :]
    return ImageReference(name=rest, tag=tag, digest=digest or None)
