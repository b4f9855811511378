from django.urls import path

from documents import views

urlpatterns = [
    path("<slug:attached_to>/<int:object_id>/", views.object_documents, name="object"),
    path("<int:pk>/download/", views.download, name="download"),
    path("<int:pk>/delete/", views.delete, name="delete"),
]
