"""What a locked-out sign-in sees (django-axes calls this): the API gets our error body, a
person gets a page saying when to try again. 429 either way; nothing says whether the
password was right."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render

DETAIL = ("Too many failed sign-in attempts for this username. Wait {minutes} minutes and try "
          "again, or ask your administrator to unlock the account.")


def locked_out(request, credentials=None, *args, **kwargs):
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    detail = DETAIL.format(minutes=minutes)
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "locked_out", "detail": detail}, status=429)
    return render(request, "registration/locked_out.html", {"detail": detail}, status=429)
