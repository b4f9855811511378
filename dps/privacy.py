"""Responses that carry a child's identity are never stored (API.md v1.1): council officers
share laptops, and a browser's cache or back button must not show the next person a child's
name.

One mechanism, `NoStoreMiddleware`, sends `Cache-Control: private, no-store` on the response to
any request that

- loaded a child's identity: the app holding children calls `mark_child_identity()` whenever a
  child's record is instantiated (referrals.apps connects it to `Child`'s `post_init`), so a
  page, API view, admin screen or list that shows a child cannot forget the header; or
- runs a view that declares it carries one without loading it — a stored agreement PDF, a form
  shown again with the child's details it was posted, a search that echoes a case reference:
  `@carries_child_identity` on a function view, `carries_child_identity = True` on a class.

The kernel imports no app: it only keeps the per-request flag.
"""

import contextvars

NO_STORE = "private, no-store"
_flag = contextvars.ContextVar("carries_child_identity", default=None)


def mark_child_identity(**_signal_kwargs):
    """The current request's response carries a child's identity (no-op outside a request)."""
    holder = _flag.get()
    if holder is not None:
        holder["marked"] = True


def carries_child_identity(view):
    """Declare that `view`'s responses carry a child's identity."""
    view.carries_child_identity = True
    return view


def _declares(view):
    return any(getattr(candidate, "carries_child_identity", False) for candidate in (
        view, getattr(view, "cls", None), getattr(view, "view_class", None)))


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        holder = {"marked": False}
        token = _flag.set(holder)
        try:
            response = self.get_response(request)
        finally:
            _flag.reset(token)
        if holder["marked"]:
            response["Cache-Control"] = NO_STORE
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if _declares(view_func):
            mark_child_identity()
