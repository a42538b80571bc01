from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from members.models import AuditEvent, LicenseLookup, Profile, Term, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = [
        "email",
        "membership_status",
        "is_active",
        "is_staff",
        "date_joined",
        "deletion_requested_at",
        "erased_at",
    ]
    list_filter = ["membership_status", "is_active", "is_staff"]
    readonly_fields = ["deletion_requested_at", "erased_at"]
    search_fields = ["email"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Membership", {"fields": ["membership_status", "is_active"]}),
        ("Staff", {"fields": ["is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
        ("Leaving Hive", {"fields": ["deletion_requested_at", "erased_at"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]}),
    ]


@admin.register(Term)
class TermAdmin(admin.ModelAdmin):
    list_display = ["label", "kind", "slug", "position"]
    list_filter = ["kind"]
    search_fields = ["label"]


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["display_name", "handle", "profession", "city", "region"]
    search_fields = ["display_name", "handle"]
    raw_id_fields = ["user"]
    autocomplete_fields = ["terms"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only."""

    list_display = ["occurred_at", "action", "subject", "actor", "ip_address"]
    list_filter = ["action"]
    search_fields = ["subject__email", "actor__email"]
    date_hierarchy = "occurred_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Not here on purpose: dual relationships, values answers and dismissals. They are
# private to the member who declared them, and nobody at Hive needs to read them.


@admin.register(LicenseLookup)
class LicenseLookupAdmin(admin.ModelAdmin):
    """Where each board verifies a license: linked from the review checklist."""

    list_display = ["jurisdiction", "license_types", "board", "url", "updated_at"]
    list_filter = ["jurisdiction"]
    search_fields = ["board", "license_types"]
