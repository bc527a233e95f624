"""Sections of the Settings page that have grown their own module."""
