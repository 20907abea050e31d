from rest_framework.permissions import DjangoModelPermissions


class StaffWithRolePermissions(DjangoModelPermissions):
    """Reads need the model's view permission too; records are then scoped by the view."""

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }
