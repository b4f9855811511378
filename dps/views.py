from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from dps.models import Role


@login_required
def home(request):
    """Each role lands on its own front door."""
    user = request.user
    if user.has_role(Role.DPS_ADMIN):
        return redirect("providers:rounds")
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
    return render(request, "errors/500.html", status=500)
