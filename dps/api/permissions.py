"""Named permissions per action. View sets declare which roles may run each action."""

from rest_framework.permissions import BasePermission

ANY_AUTHENTICATED = "__any__"


class ActionRoles(BasePermission):
    """Reads `view.action_roles`: {"action": {roles...} | ANY_AUTHENTICATED}.

    An action missing from the map is refused, so a new action is closed until someone opens it.
    """

    def has_permission(self, request, view):
        user = request.user
        if not user or not user.is_authenticated:
            return False
        allowed = getattr(view, "action_roles", {}).get(getattr(view, "action", None))
        if allowed is None:
            return False
        if allowed == ANY_AUTHENTICATED:
            return True
        return user.has_role(*allowed)


def roles(*names):
    return frozenset(names)
