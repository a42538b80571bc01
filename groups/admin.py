"""Staff see a group's facts and who organizes it; never its notes or discussion,
which are not registered here."""

from django.contrib import admin

from groups.models import Group


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "join_policy", "listed", "capacity", "created_at"]
    list_filter = ["join_policy", "listed", "format"]
    search_fields = ["name", "slug"]
    fields = [
        "name",
        "slug",
        "focus",
        "format",
        "place_label",
        "rrule",
        "zone",
        "capacity",
        "join_policy",
        "listed",
        "agreement_version",
        "created_at",
    ]
    readonly_fields = fields
