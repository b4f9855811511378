from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader

from dps.models import Role


def role_required(*roles):
    """Page guard: signed out → the sign-in page; signed in without one of `roles` → 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not request.user.has_role(*roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


@login_required
def home(request):
    """Each role lands on its own front door."""
    user = request.user
    if user.has_role(Role.DPS_ADMIN):
        return redirect("providers:rounds")
    if user.has_role(Role.COMMISSIONER):
        return redirect("calloffs:list")
    if user.has_role(Role.BUDGET_HOLDER):
        return redirect("calloffs:approvals")
    if user.has_role(Role.PROVIDER):
        return redirect("providers:my-applications")
    return render(request, "home.html")


def bad_request(request, exception=None):
    return render(request, "errors/400.html", status=400)


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    # No request context: context processors touch the session and database, which may be
    # what failed.
    return HttpResponseServerError(loader.get_template("errors/500.html").render())
