"""`MetadataClient`: every route of the task metadata endpoint v2, v3 and v4, and the file.

The client is the only layer that raises: every failure is a `MetadataError` that says what was
asked, of which URL, and what came back. httpx is imported when the first request is made.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from ._cache import DEFAULT_STATS_CACHE_TTL, RouteCache, check_ttl
from ._http import Transport
from ._metadata_file import read_metadata_file
from ._own_container import OwnContainerIds, read_own_container_ids, resolve_own_container
from ._settings import DEFAULT_V2_ENDPOINT, ContextSettings
from ._source import FILE_VARIABLE, V3_VARIABLE, V4_VARIABLE, Source, find_source
from ._urls import check_url as _check_url
from .errors import (
    ConfigurationError,
    InvalidMetadataError,
    MetadataHTTPError,
    MetadataUnavailableError,
)
from .models import ContainerMetadata, ContainerStats, TaskMetadata, parse_task_stats

if TYPE_CHECKING:
    import httpx

__all__ = ["DEFAULT_MAX_BYTES", "DEFAULT_STATS_CACHE_TTL", "MetadataClient"]

DEFAULT_MAX_BYTES = 4 * 1024 * 1024
_DOCKER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
_KINDS = ("v4", "v3", "v2", "file")
_ModelT = TypeVar("_ModelT", TaskMetadata, ContainerMetadata)


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
        cache_ttl: seconds each route's answer is kept and given again (0, the default: every
            call is a request), for code that asks per request: the agent answers about 40
            requests a second. Callers asking a route at once share one request; a failure
            is not kept.
        stats_cache_ttl: the same for the stats routes; by default the shorter of
            ``cache_ttl`` and `DEFAULT_STATS_CACHE_TTL` (1 s): Docker samples every second.
        timer: the cache's clock, ``time.monotonic`` by default.

    Raises:
        ConfigurationError: an unknown source, a URL that cannot be used, or a cache TTL that
            is not a number of seconds.
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
        cache_ttl: float = 0.0,
        stats_cache_ttl: float | None = None,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        cache_ttl = check_ttl("cache_ttl", cache_ttl)
        if stats_cache_ttl is None:
            stats_cache_ttl = min(cache_ttl, DEFAULT_STATS_CACHE_TTL)
        stats_cache_ttl = check_ttl("stats_cache_ttl", stats_cache_ttl)
        if not callable(timer):
            raise ConfigurationError("timer", timer, "a function returning seconds")
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
        self.cache_ttl = cache_ttl
        self.stats_cache_ttl = stats_cache_ttl
        self._own_ids: OwnContainerIds | None = None
        self._transport = Transport(url, timeout=timeout, max_bytes=max_bytes)
        self._cache = RouteCache(cache_ttl, timer) if cache_ttl else None
        self._stats_cache = RouteCache(stats_cache_ttl, timer) if stats_cache_ttl else None
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
        """Close the HTTP connections (the client can still be used: it reopens them).

        Kept answers stay: `clear_cache` forgets them.
        """
        self._transport.close()

    def clear_cache(self) -> None:
        """Forget every kept answer: the next call of each route is a request."""
        for cache in (self._cache, self._stats_cache):
            if cache is not None:
                cache.clear()

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
        body, url = self._get_json("task stats", path, stats=True)
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
        body, url = self._get_json("container stats", path, stats=True)
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
        return self._transport.client()

    def _get_model(self, model: type[_ModelT], what: str, path: str) -> _ModelT:
        body, url = self._get_json(what, path)
        return model.from_json(body, url=url)

    def _get_json(self, what: str, path: str, *, stats: bool = False) -> tuple[object, str]:
        """GET a route, or take its kept answer, and decode its JSON: (the document, the URL
        that answered). Each call decodes its own: callers never share a model."""
        cache = self._stats_cache if stats else self._cache
        if cache is None:
            body, url = self._transport.get(what, path)
        else:
            body, url = cache.get(path, lambda: self._transport.get(what, path))
        try:
            return json.loads(body), url
        except (ValueError, RecursionError) as exc:  # deep nesting exhausts the stack
            raise InvalidMetadataError(what, url, f"not JSON: {exc}") from None
