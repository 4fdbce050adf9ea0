"""A local stand-in for the Amazon ECS task metadata endpoint, answering like the agent."""

from __future__ import annotations

from .server import MockEndpoint, RecordedRequest

__all__ = ["MockEndpoint", "RecordedRequest"]
