"""The base for every API view: querysets pass through the user's scope, lookups 404 outside.

Below every app (places' API uses it too), so it narrows through the models' own
``for_user`` (``fengqiao.scoping``) rather than importing org's scope.
"""

from __future__ import annotations

import copy

from rest_framework import serializers, viewsets


class ScopedReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    # For models whose manager is fengqiao.scoping.ScopedManager. (A comment, not a
    # docstring: drf-spectacular would print a docstring into every endpoint's description.)

    def get_queryset(self):
        return super().get_queryset().for_user(self.request.user)


class ReadOnlyModelSerializer(serializers.ModelSerializer):
    """Output only: every field read-only, so the schema carries no write-side validators
    (whose integer bounds differ between SQLite and PostgreSQL)."""

    # Its fields are the same for every instance: built from the model once per class and
    # copied after (DRF's ModelSerializer maps every model field again for every answer).
    # A comment, not the docstring: drf-spectacular prints docstrings into the schema.
    _built_fields: dict[type, dict] = {}

    def get_fields(self):
        built = self._built_fields.get(type(self))
        if built is None:
            built = self._built_fields[type(self)] = super().get_fields()
        return copy.deepcopy(built)

    def get_extra_kwargs(self):
        extra = super().get_extra_kwargs()
        for name in self.Meta.fields:
            extra.setdefault(name, {})["read_only"] = True
        return extra
