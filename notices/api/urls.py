from django.urls import path

from notices.api.views import NoticeViewSet, OpenDataView

urlpatterns = [
    path("notices/", NoticeViewSet.as_view({"get": "list"}), name="api-notices"),
    path("notices/<int:pk>/", NoticeViewSet.as_view({"get": "retrieve"}), name="api-notice"),
    path("notices/<int:pk>/published/", NoticeViewSet.as_view({"post": "published"}),
         name="api-notice-published"),
    path("open-data/releases/", OpenDataView.as_view({"get": "list"}),
         name="api-open-data-releases"),
]
