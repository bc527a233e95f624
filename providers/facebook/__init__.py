"""Facebook Pages through the Graph API (Pages API)."""

from providers.facebook.provider import FacebookProvider

__all__ = ["FacebookProvider"]
