"""Fixture: a real Bluesky PDS (@atproto/pds from npm) on 127.0.0.1. Filled in by the provider work."""
