"""The base for every API view: querysets pass through the user's scope, lookups 404 outside."""

from __future__ import annotations

from rest_framework import viewsets

from fengqiao.org.scope import scope_to


class ScopedReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    def get_queryset(self):
        return scope_to(self.request.user, super().get_queryset())
