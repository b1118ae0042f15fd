from django import forms

from .models import Document, Post, Profile
from .validators import validate_decodable_image


class SafeNameUploadForm(forms.ModelForm):
    """Accepts any client file name: the model's upload_to renames every file.

    A model FileField's max_length bounds the stored name; Django's form field
    would apply it to the name the browser sent and reject a long one that
    would have been shortened anyway. Images are decoded in full before any
    row is saved.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.FileField):
                field.max_length = None
            if isinstance(field, forms.ImageField):
                field.validators.append(validate_decodable_image)


class ProfileForm(SafeNameUploadForm):
    class Meta:
        model = Profile
        fields = ["display_name", "avatar"]


class PostForm(SafeNameUploadForm):
    class Meta:
        model = Post
        fields = ["title", "body", "cover", "attachment"]


class DocumentForm(SafeNameUploadForm):
    class Meta:
        model = Document
        fields = ["title", "file"]
