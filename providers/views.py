"""Pages for admission (placeholder: the UI pass replaces these)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def apply(request):
    return HttpResponse("apply")


@login_required
def my_applications(request):
    return HttpResponse("applications")


@login_required
def rounds(request):
    return HttpResponse("rounds")
