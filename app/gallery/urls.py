from django.urls import path

from . import views

app_name = "gallery"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("profiles/new/", views.ProfileCreateView.as_view(), name="profile-create"),
    path("posts/new/", views.PostCreateView.as_view(), name="post-create"),
    path("posts/<int:pk>.json", views.post_detail, name="post-detail"),
    path("digests/latest.json", views.latest_digest, name="digest-latest"),
    path("documents/new/", views.DocumentCreateView.as_view(), name="document-create"),
    path("documents/<int:pk>/", views.document_download, name="document-download"),
    path("healthz", views.healthz, name="healthz"),
]
