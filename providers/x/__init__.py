"""X (API v2) provider."""

from providers.x.provider import XProvider

__all__ = ["XProvider"]
