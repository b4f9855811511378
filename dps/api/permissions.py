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
        method = request.method.lower()
        if method not in view.http_method_names or not hasattr(view, method):
            return True  # no handler at all: the view answers 405, which is not a role matter
        action = getattr(view, "action", None)
        if action == "metadata":
            return True  # OPTIONS describes the endpoint; it reads and changes nothing
        allowed = getattr(view, "action_roles", {}).get(action)
        if allowed is None:
            return False
        if allowed == ANY_AUTHENTICATED:
            return True
        return user.has_role(*allowed)


def roles(*names):
    return frozenset(names)
