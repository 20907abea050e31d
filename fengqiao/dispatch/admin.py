"""Dispatch in the admin. Each part registers its own models."""

from fengqiao.dispatch import patrol_admin  # noqa: F401
