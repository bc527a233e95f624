"""LinkedIn: a member's profile and the organization pages they may post for (Posts API)."""

from providers.linkedin.provider import LinkedInProvider

__all__ = ["LinkedInProvider"]
