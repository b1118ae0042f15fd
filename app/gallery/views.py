from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.urls import reverse_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.generic import CreateView, TemplateView

from .forms import PostForm, ProfileForm
from .models import Post, Profile


class HomeView(TemplateView):
    template_name = "gallery/home.html"

    def get_context_data(self, **kwargs: object) -> dict[str, object]:
        context = super().get_context_data(**kwargs)
        context["profiles"] = Profile.objects.all()[:24]
        context["posts"] = Post.objects.all()[:24]
        return context


class UploadFormMixin:
    """Shares the upload limit with the template so the browser can warn early."""

    def get_context_data(self, **kwargs: object) -> dict[str, object]:
        context = super().get_context_data(**kwargs)  # type: ignore[misc]
        context["upload_max_bytes"] = settings.UPLOAD_MAX_BYTES
        return context


class ProfileCreateView(UploadFormMixin, CreateView):
    model = Profile
    form_class = ProfileForm
    template_name = "gallery/upload.html"
    success_url = reverse_lazy("gallery:home")
    extra_context = {"heading": "New profile"}


class PostCreateView(UploadFormMixin, CreateView):
    model = Post
    form_class = PostForm
    template_name = "gallery/upload.html"
    success_url = reverse_lazy("gallery:home")
    extra_context = {"heading": "New post"}


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and readiness in one: the version, and whether the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse(
            {"status": "error", "database": "unavailable", "version": settings.APP_VERSION},
            status=503,
        )
    return JsonResponse({"status": "ok", "database": "ok", "version": settings.APP_VERSION})
