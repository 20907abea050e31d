from rest_framework.permissions import DjangoModelPermissions


class StaffWithRolePermissions(DjangoModelPermissions):
    """Reads need the model's view permission too; records are then scoped by the view."""

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }

    def _queryset(self, view):
        # Only the model is read from it: a view's declared ``queryset`` names it without
        # building the scoped queryset (the caller's grants, on every request).
        declared = getattr(view, "queryset", None)
        if declared is not None:
            return declared
        return super()._queryset(view)
