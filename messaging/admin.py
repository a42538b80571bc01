from django.contrib import admin

from messaging.models import Report


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """Read-only: moderators act through /review/reports/, where every action is audited."""

    list_display = ["id", "subject", "reason", "reported", "created_at", "outcome"]
    list_filter = ["outcome", "reason", "subject"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
