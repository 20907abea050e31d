"""Sign-ins end when the person behind them is taken off duty: for API tokens here, for
sessions in ``middleware`` (and at login in ``permissions.RolePermissionBackend``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from fengqiao.org.permissions import may_sign_in


class OnDutyTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing tokens of staff taken off duty."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if not may_sign_in(user):
            raise exceptions.AuthenticationFailed(_("账号已停用，令牌不再有效"))
        return user, token
