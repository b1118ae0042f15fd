from django import forms

from .models import Post, Profile


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = ["display_name", "avatar"]


class PostForm(forms.ModelForm):
    class Meta:
        model = Post
        fields = ["title", "body", "cover", "attachment"]
