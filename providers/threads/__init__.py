"""Threads (Meta) through the Threads API."""

from providers.threads.provider import ThreadsProvider

__all__ = ["ThreadsProvider"]
