"""The base for every API view: querysets pass through the user's scope, lookups 404 outside."""

from __future__ import annotations

from rest_framework import serializers, viewsets

from fengqiao.org.scope import scope_to


class ScopedReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    def get_queryset(self):
        return scope_to(self.request.user, super().get_queryset())


class ReadOnlyModelSerializer(serializers.ModelSerializer):
    """Output only: every field read-only, so the schema carries no write-side validators
    (whose integer bounds differ between SQLite and PostgreSQL)."""

    def get_extra_kwargs(self):
        extra = super().get_extra_kwargs()
        for name in self.Meta.fields:
            extra.setdefault(name, {})["read_only"] = True
        return extra
