"""Open live streams follow a person's access as it changes, not only at their periodic
re-check: when an account is switched off or saved, signs out, or gains or loses a grant or a
role, its streams are checked again at once (``live.recheck``, after the commit)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import m2m_changed, post_delete, post_save

from fengqiao import live
from fengqiao.org.models import AccessGrant, Person


def _account_saved(sender, instance, update_fields=None, **kwargs) -> None:
    # Every sign-in saves last_login alone: that changes nobody's access.
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    if instance.pk is not None:
        live.recheck(instance.pk)


def _signed_out(sender, request, user, **kwargs) -> None:
    if user is None or user.pk is None:
        return
    # Django sends user_logged_out *before* it flushes the session, and outside a transaction
    # the re-check note goes out at once: a stream re-checked in that gap still found the
    # session signed in and stayed open until its periodic re-check. End the session first
    # (Django's flush then finds nothing left to delete), so every re-check sees it gone.
    session = getattr(request, "session", None)
    if session is not None:
        session.delete()
    live.recheck(user.pk)


def _grant_changed(sender, instance, **kwargs) -> None:
    if instance.user_id is not None:
        live.recheck(instance.user_id)


def _person_roles_changed(sender, instance, action, pk_set=None, **kwargs) -> None:
    if not action.startswith("post_"):
        return
    if isinstance(instance, Person):
        users = [instance.user_id]
    else:  # a role's people changed, seen from the role's side
        users = Person.objects.filter(pk__in=pk_set or ()).values_list("user_id", flat=True)
    for user_id in users:
        if user_id is not None:
            live.recheck(user_id)


def _account_permissions_changed(sender, instance, action, pk_set=None, **kwargs) -> None:
    if not action.startswith("post_"):
        return
    if isinstance(instance, get_user_model()):
        live.recheck(instance.pk)
    else:
        for user_id in pk_set or ():
            live.recheck(user_id)


def connect() -> None:
    user = get_user_model()
    post_save.connect(_account_saved, sender=user, dispatch_uid="live-recheck-account")
    user_logged_out.connect(_signed_out, dispatch_uid="live-recheck-signout")
    for signal in (post_save, post_delete):
        signal.connect(_grant_changed, sender=AccessGrant, dispatch_uid=f"live-grant-{signal}")
    m2m_changed.connect(
        _person_roles_changed, sender=Person.roles.through, dispatch_uid="live-recheck-roles"
    )
    for through in (user.groups.through, user.user_permissions.through):
        m2m_changed.connect(
            _account_permissions_changed, sender=through, dispatch_uid=f"live-perms-{through}"
        )
