"""Bluesky (AT Protocol) provider."""

from providers.bluesky.provider import BlueskyProvider, MetricsUnavailable

__all__ = ["BlueskyProvider", "MetricsUnavailable"]
