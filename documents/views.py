"""Documents pages: the documents of one object (with the upload form for those who may
attach), the access-checked download, and deletion by the uploader while a draft. Each calls
the same service as the API."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from documents import access, scanner, selectors, services
from documents.api.views import attachment_response
from documents.forms import UploadForm
from dps.errors import DomainError, Forbidden, NotFound
from dps.models import Role
from dps.privacy import carries_child_identity
from dps.views import role_required


def _resolve(request, attached_to, object_id):
    try:
        return services.resolve(request.user, attached_to, object_id)
    except NotFound:
        raise Http404 from None
    except DomainError:
        raise Http404 from None


def object_view(attached_to):
    """The documents page of one kind of object, open to the roles that read such objects."""
    spec = access.attachment(attached_to)

    @role_required(*spec.staff_readers, Role.PROVIDER)
    def view(request, object_id):
        _resolve(request, attached_to, object_id)  # outside the caller's view: 404 first
        if request.method == "POST" and not spec.may_upload(request.user):
            raise PermissionDenied  # reads only: an invited provider, say
        return object_documents(request, attached_to, object_id)

    view.__name__ = f"{attached_to}_documents"
    return view


def object_documents(request, attached_to, object_id):
    spec, obj = _resolve(request, attached_to, object_id)
    may_upload = spec.may_upload(request.user)
    form = None
    if may_upload:
        form = UploadForm(request.POST if request.method == "POST" else None,
                          request.FILES if request.method == "POST" else None, kinds=spec.kinds)
    elif request.method == "POST":
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        try:
            document = services.upload_document(
                by=request.user, attached_to=attached_to, object_id=obj.pk,
                kind=form.cleaned_data["kind"], file=form.cleaned_data["file"],
                expires_on=form.cleaned_data.get("expires_on"))
        except Forbidden:
            raise PermissionDenied from None
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"{document.get_kind_display()} uploaded.")
            return redirect(request.path)
    documents = selectors.documents_on(request.user, attached_to, obj.pk)
    return render(request, "documents/object_documents.html", {
        "spec": spec, "obj": obj, "form": form, "documents": documents,
        "deletable": [d for d in documents if d.uploaded_by_id == request.user.pk]
        if spec.is_draft(obj) else [],
        "label": spec.name.replace("_", " "), "scanning": scanner.configured(),
        "back": selectors.back_link(attached_to, obj, request.user),
    }, status=400 if form is not None and form.errors else 200)


@login_required
@carries_child_identity
def download(request, pk):
    try:
        document = services.get_visible(request.user, pk)
    except NotFound:
        raise Http404 from None
    return attachment_response(document, services.record_download(document, by=request.user))


@login_required
@require_POST
def delete(request, pk):
    try:
        document = services.get_visible(request.user, pk)
    except NotFound:
        raise Http404 from None
    back = reverse(f"documents:{document.attached_to}", args=[document.object_id])
    try:
        services.delete_document(document, by=request.user)
    except Forbidden:
        raise PermissionDenied from None
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, f"{document.name} deleted.")
    return redirect(back)

