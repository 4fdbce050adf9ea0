"""`MetadataClient`: every route of the task metadata endpoint v2, v3 and v4, and the file.

The client is the only layer that raises: every failure is a `MetadataError` that says what was
asked, of which URL, and what came back. httpx is imported when the first request is made.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import unquote, urljoin, urlsplit

from ._metadata_file import read_metadata_file
from ._own_container import OwnContainerIds, read_own_container_ids, resolve_own_container
from ._settings import DEFAULT_V2_ENDPOINT, ContextSettings
from ._source import FILE_VARIABLE, V3_VARIABLE, V4_VARIABLE, Source, find_source
from ._urls import check_url as _check_url
from .errors import (
    ConfigurationError,
    InvalidMetadataError,
    MetadataHTTPError,
    MetadataThrottledError,
    MetadataUnavailableError,
    printable,
)
from .models import ContainerMetadata, ContainerStats, TaskMetadata, parse_task_stats

if TYPE_CHECKING:
    import httpx

__all__ = ["DEFAULT_MAX_BYTES", "MetadataClient"]

DEFAULT_MAX_BYTES = 4 * 1024 * 1024
# A 429 is the agent's token bucket (ECS_TASK_METADATA_RPS_LIMIT on the instance, by default
# 40 requests a second, bursts of 60).
_THROTTLED = (
    "the agent is throttling requests (by default past 40 a second, bursts of 60): "
    "back off before asking again"
)
_DOCKER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
_KINDS = ("v4", "v3", "v2", "file")
_ModelT = TypeVar("_ModelT", TaskMetadata, ContainerMetadata)


def _agent_message(body: bytes) -> str:
    """The agent's error bodies are JSON-encoded strings; anything else is shown as text."""
    text = body[:4096].decode("utf-8", "replace")
    try:
        decoded = json.loads(text)
    except (ValueError, RecursionError):  # deep nesting exhausts the parser's stack
        decoded = text
    return printable(decoded.strip() if isinstance(decoded, str) else text.strip())


def _is_clean_path(path: str) -> bool:
    segments = path.split("/")[1:]
    return (
        path.startswith("/")
        and "" not in segments[:-1]
        and "." not in segments
        and ".." not in segments
        and "credentials" not in unquote(path).lower()
    )


class MetadataClient:
    """A client of the ECS task metadata endpoint (v2, v3, v4) or the container metadata file.

    Args:
        source: ``"v4"``, ``"v3"``, ``"v2"`` or ``"file"``.
        url: v3/v4: the container's endpoint URI (default: ``ECS_CONTAINER_METADATA_URI_V4`` or
            ``ECS_CONTAINER_METADATA_URI``); v2: the endpoint's base URL (default
            ``http://169.254.170.2``); file: the path (default ``ECS_CONTAINER_METADATA_FILE``).
        timeout: seconds to connect, and to wait for each read; a whole answer is abandoned
            after twice this.
        container_name: which container is this one, where v2 cannot tell
            (``ECS_LOG_CONTEXT_CONTAINER_NAME``).
        max_bytes: the largest response body accepted.
        cgroup_path, mountinfo_path, hostname: where v2 finds this container's Docker ID.

    Raises:
        ConfigurationError: an unknown source, or a URL that cannot be used.
        NoMetadataSourceError: no URL given and the source's variable is not set.
    """

    def __init__(
        self,
        source: str = "v4",
        url: str | None = None,
        *,
        timeout: float = 1.0,
        container_name: str | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        cgroup_path: str = "/proc/self/cgroup",
        mountinfo_path: str = "/proc/self/mountinfo",
        hostname: str | None = None,
    ) -> None:
        if source not in _KINDS:
            raise ConfigurationError("source", source, "one of " + ", ".join(_KINDS))
        if url is None:
            if source == "v2":
                url = DEFAULT_V2_ENDPOINT
            else:
                variable = {"v4": V4_VARIABLE, "v3": V3_VARIABLE, "file": FILE_VARIABLE}[source]
                found = find_source(ContextSettings(source=source))
                url = found.location if found.kind == source else None
                if url is None:  # pragma: no cover - find_source raises first
                    raise ConfigurationError(variable, None, "a URL")
        if source != "file":
            url = _check_url("url", url)
        self.source = source
        self.url = url
        self.timeout = timeout
        self.container_name = container_name
        self.max_bytes = max_bytes
        self._identity_paths = (cgroup_path, mountinfo_path, hostname)
        self._own_ids: OwnContainerIds | None = None
        self._http: httpx.Client | None = None
        self._v2_tags_path: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **options: Any) -> MetadataClient:
        """A client of the source the environment names (see ``ECS_LOG_CONTEXT_SOURCE``).

        Raises:
            NoMetadataSourceError: off ECS, with nothing configured.
            ConfigurationError: a variable holds a value that cannot be used.
        """
        settings = ContextSettings.resolve(environ=environ)
        return cls.from_source(find_source(settings, environ), settings, **options)

    @classmethod
    def from_source(
        cls, source: Source, settings: ContextSettings, **options: Any
    ) -> MetadataClient:
        """A client of a source found by `find_source`, with the context's settings."""
        options.setdefault("timeout", settings.timeout)
        options.setdefault("container_name", settings.container_name)
        return cls(source.kind, source.location, **options)

    def __repr__(self) -> str:
        return f"MetadataClient(source={self.source!r}, url={self.url!r})"

    def __enter__(self) -> MetadataClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP connections (the client can still be used: it reopens them)."""
        http, self._http = self._http, None
        if http is not None:
            http.close()

    # -- routes ---------------------------------------------------------------------------

    def task(self) -> TaskMetadata:
        """The task's metadata: ``/v2/metadata``, ``${URI}/task``, or the file."""
        if self.source == "file":
            return read_metadata_file(self.url, max_bytes=self.max_bytes)[0]
        path = "/v2/metadata" if self.source == "v2" else "/task"
        return self._get_model(TaskMetadata, "task metadata", path)

    def task_with_tags(self) -> TaskMetadata:
        """The task's metadata with ``TaskTags`` and ``ContainerInstanceTags``.

        v2 asks the agent's ``/v2/metadataWithTags`` first and falls back to the documented
        ``/v2/metadata/taskWithTags``. The file has no tags: this is `task`'s answer there.
        """
        if self.source == "file":
            return self.task()
        if self.source != "v2":
            return self._get_model(TaskMetadata, "task metadata with tags", "/taskWithTags")
        paths: tuple[str, ...] = ("/v2/metadataWithTags", "/v2/metadata/taskWithTags")
        if self._v2_tags_path is not None:
            paths = (self._v2_tags_path,)
        error: MetadataHTTPError | None = None
        for path in paths:
            try:
                found = self._get_json("task metadata with tags", path)
            except MetadataHTTPError as exc:
                if exc.status not in (400, 404):
                    raise
                error = error or exc
                continue
            self._v2_tags_path = path
            return TaskMetadata.from_json(found[0], url=found[1])
        raise error  # type: ignore[misc]  # the loop ran at least once

    def container(self, docker_id: str | None = None) -> ContainerMetadata:
        """This container's metadata, or the container with that Docker ID.

        v3/v4 ask ``${URI}``, which answers for the caller. v2 resolves the caller from its
        cgroup, its mounts, its hostname, ``container_name``, or the only ``NORMAL`` container.

        Raises:
            MetadataUnavailableError: v2 cannot tell which container this is, or the task has
                no container with that ID.
        """
        if docker_id is not None:
            docker_id = self._check_docker_id(docker_id)
            if self.source == "v2":
                return self._get_model(
                    ContainerMetadata, "container metadata", f"/v2/metadata/{docker_id}"
                )
            task = self.task()
            container = task.container_by_docker_id(docker_id)
            if container is None:
                raise MetadataUnavailableError(
                    "container metadata", self._where("/task"), f"no container {docker_id!r}"
                )
            return container
        if self.source == "file":
            return read_metadata_file(self.url, max_bytes=self.max_bytes)[1]
        if self.source != "v2":
            return self._get_model(ContainerMetadata, "container metadata", "")
        task = self.task()
        container = self.own_container(task)
        if container is None:
            raise MetadataUnavailableError(
                "container metadata",
                self._where("/v2/metadata"),
                "cannot tell which of the task's containers this is: "
                + self.explain_own_container(task)
                + "; set ECS_LOG_CONTEXT_CONTAINER_NAME to its name",
            )
        return container

    def task_stats(self) -> dict[str, ContainerStats | None]:
        """Docker stats of every container of the task, by Docker ID (None: no stats)."""
        self._no_stats_in_file()
        path = "/v2/stats" if self.source == "v2" else "/task/stats"
        body, url = self._get_json("task stats", path)
        return parse_task_stats(body, url=url)

    def container_stats(self, docker_id: str | None = None) -> ContainerStats | None:
        """Docker stats of this container, or of the container with that Docker ID."""
        self._no_stats_in_file()
        if self.source == "v2":
            if docker_id is None:
                docker_id = self.container().docker_id
            path = f"/v2/stats/{self._check_docker_id(docker_id or '')}"
        elif docker_id is None:
            path = "/stats"
        else:
            return self.task_stats().get(self._check_docker_id(docker_id))
        body, url = self._get_json("container stats", path)
        return None if body is None or body == {} else ContainerStats.from_json(body, url=url)

    def task_and_container(
        self, *, with_tags: bool = False
    ) -> tuple[TaskMetadata, ContainerMetadata | None]:
        """The task, and this container where it can be told: what log records need.

        v3/v4 ask two routes, v2 and the file one. The container is None only on v2, when the
        caller cannot be told apart.
        """
        if self.source == "file":
            return read_metadata_file(self.url, max_bytes=self.max_bytes)
        task = self.task_with_tags() if with_tags else self.task()
        if self.source == "v2":
            return task, self.own_container(task)
        return task, self.container()

    # -- which container am I (v2) ----------------------------------------------------------

    def own_container_ids(self) -> OwnContainerIds:
        """This process's container IDs, as its cgroup, mounts and hostname tell (read once)."""
        if self._own_ids is None:
            cgroup, mountinfo, hostname = self._identity_paths
            self._own_ids = read_own_container_ids(
                cgroup_path=cgroup, mountinfo_path=mountinfo, hostname=hostname
            )
        return self._own_ids

    def own_container(self, task: TaskMetadata) -> ContainerMetadata | None:
        """Which of the task's containers this is, or None when that cannot be told."""
        return resolve_own_container(task.containers, self.own_container_ids(), self.container_name)

    def explain_own_container(self, task: TaskMetadata) -> str:
        """One sentence on how `own_container` decided."""
        from ._own_container import explain_resolution

        return explain_resolution(task.containers, self.own_container_ids(), self.container_name)

    # -- HTTP -------------------------------------------------------------------------------

    def _where(self, path: str) -> str:
        return self.url + path

    def _no_stats_in_file(self) -> None:
        if self.source == "file":
            raise MetadataUnavailableError("stats", self.url, "the metadata file has no stats")

    @staticmethod
    def _check_docker_id(docker_id: str) -> str:
        if not isinstance(docker_id, str) or not _DOCKER_ID.match(docker_id):
            raise ConfigurationError(
                "docker_id", docker_id, "a Docker container ID (letters, digits, _ . -)"
            )
        return docker_id

    def _client(self) -> httpx.Client:
        if self._http is None:
            import httpx

            from ._version import user_agent

            self._http = httpx.Client(
                # Proxy variables must not divert link-local traffic to a proxy.
                trust_env=False,
                timeout=httpx.Timeout(self.timeout),
                follow_redirects=False,
                # The agent speaks plain HTTP: loading the CA bundle would cost ~40 ms for
                # nothing. An https:// URL is verified as usual.
                verify=self.url.startswith("https://"),
                headers={"User-Agent": user_agent(), "Accept": "application/json"},
            )
        return self._http

    def _get_model(self, model: type[_ModelT], what: str, path: str) -> _ModelT:
        body, url = self._get_json(what, path)
        return model.from_json(body, url=url)

    def _get_json(self, what: str, path: str) -> tuple[object, str]:
        """GET a route and decode its JSON: (the document, the URL that answered)."""
        import httpx

        url = self._where(path)
        self._client()  # built (httpx imported) before the clock starts: that is not the answer
        deadline = time.monotonic() + 2 * self.timeout
        for _ in range(2):  # the request, and one redirect to the clean path
            try:
                status, headers, body = self._fetch(what, url, deadline)
            except httpx.TimeoutException as exc:
                raise MetadataUnavailableError(
                    what,
                    url,
                    f"no answer within {self.timeout:g} s ({type(exc).__name__}); the timeout "
                    f"is ECS_LOG_CONTEXT_TIMEOUT={self.timeout:g}, a slow agent needs more",
                ) from None
            except httpx.ConnectError as exc:
                raise MetadataUnavailableError(what, url, f"cannot connect: {exc}") from None
            except httpx.HTTPError as exc:
                raise MetadataUnavailableError(
                    what, url, f"connection broken: {type(exc).__name__}: {exc}"
                ) from None
            if status in (301, 308):
                location = headers.get("location", "")
                target = urljoin(url, location)
                old, new = urlsplit(url), urlsplit(target)
                same_origin = (new.scheme, new.netloc) == (old.scheme, old.netloc)
                if same_origin and _is_clean_path(urlsplit(location).path or new.path):
                    url = target
                    continue
                raise MetadataHTTPError(
                    what, url, status, f"redirect to {printable(target)} not followed"
                )
            if status == 429:
                said = _agent_message(body).rstrip(".")
                raise MetadataThrottledError(what, url, f"HTTP 429: {said}; {_THROTTLED}")
            if status >= 300:
                raise MetadataHTTPError(what, url, status, _agent_message(body))
            try:
                return json.loads(body), url
            except (ValueError, RecursionError) as exc:  # deep nesting exhausts the stack
                raise InvalidMetadataError(what, url, f"not JSON: {exc}") from None
        raise MetadataHTTPError(what, url, 301, "more than one redirect")

    def _fetch(self, what: str, url: str, deadline: float) -> tuple[int, Mapping[str, str], bytes]:
        with self._client().stream("GET", url) as response:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.max_bytes:
                raise InvalidMetadataError(
                    what, url, f"body of {declared} bytes is over the cap of {self.max_bytes}"
                )
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > self.max_bytes:
                    raise InvalidMetadataError(
                        what, url, f"body is over the cap of {self.max_bytes} bytes"
                    )
                if time.monotonic() > deadline:
                    raise MetadataUnavailableError(
                        what,
                        url,
                        f"the answer took over {2 * self.timeout:g} s (twice the timeout, "
                        f"ECS_LOG_CONTEXT_TIMEOUT={self.timeout:g})",
                    )
                chunks.append(chunk)
            return response.status_code, response.headers, b"".join(chunks)
