"""Sign-ins end when the person behind them is taken off duty: for API tokens here, for
sessions in ``middleware`` (and at login in ``permissions.RolePermissionBackend``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from fengqiao.org.permissions import may_sign_in
from fengqiao.precompiled import precompiled

# The token's user with their staff profile and its posting, as ``scope.person_of`` reads
# it: one query for what every staff request needs first.
_WITH_PERSON = ("user__person__region", "user__person__unit__jurisdiction")
_NOT_BOUNDARIES = ("user__person__region__boundary", "user__person__unit__jurisdiction__boundary")


# Compiled once: building and compiling these joins again for every API request cost more
# CPU than the rest of the authentication (issue 20).
@precompiled
def _token_with_person(key: str):
    from rest_framework.authtoken.models import Token

    return Token.objects.select_related(*_WITH_PERSON).defer(*_NOT_BOUNDARIES).filter(key=key)


class OnDutyTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing tokens of staff taken off duty."""

    def authenticate_credentials(self, key):
        found = _token_with_person(key)
        if not found:
            raise exceptions.AuthenticationFailed(_("令牌无效"))
        token = found[0]
        if not token.user.is_active or not may_sign_in(token.user):
            raise exceptions.AuthenticationFailed(_("账号已停用，令牌不再有效"))
        return token.user, token
