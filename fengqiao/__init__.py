"""Fengqiao: community policing and grassroots dispute resolution."""

__version__ = "0.1.0"
