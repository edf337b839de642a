"""Beatbook: community policing platform."""
