from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.files.storage import FileSystemStorage
from django.db import DatabaseError, connection, transaction
from django.forms import ModelForm
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404
from django.urls import reverse_lazy
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.generic import CreateView, TemplateView

from .forms import DocumentForm, PostForm, ProfileForm
from .models import Digest, Document, Post, Profile
from .tasks import checksum_post


class HomeView(TemplateView):
    template_name = "gallery/home.html"

    def get_context_data(self, **kwargs: object) -> dict[str, object]:
        context = super().get_context_data(**kwargs)
        context["profiles"] = Profile.objects.all()[:24]
        context["posts"] = Post.objects.all()[:24]
        user = self.request.user
        context["documents"] = user.documents.all()[:24] if user.is_authenticated else []
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

    def form_valid(self, form: ModelForm) -> HttpResponse:
        response = super().form_valid(form)
        post_id = self.object.pk
        # Queued once the post is committed, so the worker finds it.
        transaction.on_commit(lambda: checksum_post.delay(post_id))
        return response


@never_cache
@require_safe
def post_detail(request: HttpRequest, pk: int) -> JsonResponse:
    """A post as JSON, with the checksum its background job wrote ("" until then)."""
    post = get_object_or_404(Post, pk=pk)
    return JsonResponse({"id": post.pk, "title": post.title, "checksum": post.checksum})


@never_cache
@require_safe
def latest_digest(request: HttpRequest) -> JsonResponse:
    """The newest digest the schedule wrote."""
    digest = Digest.objects.first()
    if digest is None:
        return JsonResponse({"digest": None}, status=404)
    return JsonResponse({"posts": digest.posts, "created": digest.created.isoformat()})


class DocumentCreateView(LoginRequiredMixin, UploadFormMixin, CreateView):
    model = Document
    form_class = DocumentForm
    template_name = "gallery/upload.html"
    success_url = reverse_lazy("gallery:home")
    extra_context = {"heading": "New private document"}
    # Anonymous users get 403, not a login form: the page is for signed-in users.
    raise_exception = True

    def form_valid(self, form: ModelForm) -> HttpResponse:
        form.instance.owner = self.request.user
        return super().form_valid(form)


@require_safe
def document_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The only way to a private document: permission first, then the bytes."""
    document = get_object_or_404(Document, pk=pk)
    if not document.readable_by(request.user):
        raise PermissionDenied
    response = private_file_response(document)
    add_never_cache_headers(response)
    patch_cache_control(response, private=True)
    return response


def private_file_response(document: Document) -> HttpResponseBase:
    storage = document.file.storage
    if not isinstance(storage, FileSystemStorage):
        # Object storage: a pre-signed URL that expires (AWS_QUERYSTRING_EXPIRE).
        return HttpResponseRedirect(document.file.url)
    file_name = document.file.name.rsplit("/", 1)[-1]
    if settings.PRIVATE_MEDIA_ACCEL_URL:
        # nginx sends the file from its `internal` location; gunicorn's worker
        # is free again at once.
        response = HttpResponse(content_type="application/octet-stream")
        response["X-Accel-Redirect"] = settings.PRIVATE_MEDIA_ACCEL_URL + quote(document.file.name)
        response["Content-Disposition"] = content_disposition_header(True, file_name)
        return response
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=file_name)


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
