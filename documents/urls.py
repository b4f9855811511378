from django.urls import path

from documents import views
from documents.access import ATTACHMENTS

# One route per kind of object, so each page's roles and object are those of the object's own
# (the permission matrix reads them: tests/security/matrix.py).
urlpatterns = [
    *[path(f"{name}/<int:object_id>/", views.object_view(name), name=name)
      for name in ATTACHMENTS],
    path("<int:pk>/download/", views.download, name="download"),
    path("<int:pk>/delete/", views.delete, name="delete"),
]
