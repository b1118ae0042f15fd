from django.contrib import admin

from .models import Post, Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["display_name", "created"]


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["title", "created"]
    search_fields = ["title"]
