"""Instagram (professional accounts) through the Instagram Graph API."""

from providers.instagram.provider import InstagramProvider

__all__ = ["InstagramProvider"]
