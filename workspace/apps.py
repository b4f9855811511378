from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    """What composes the other apps: the front doors (dashboard, supplier portal, finance), the
    root URL configuration and the demo seed. It sits above every app so that the shared kernel
    in `dps/` imports none of them (tests/dps/test_kernel_imports.py)."""

    name = "workspace"
    verbose_name = "Front doors"
