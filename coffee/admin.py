from django.contrib import admin

from coffee.models import Round


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    """Read-only counts: rounds run from the schedule or /review/coffee/ (where a staff
    run is audited). Who was paired with whom, members' settings and answers are not in
    the admin: they are theirs."""

    list_display = ["key", "kind", "run_at", "eligible_count", "paired_count", "closed_at"]
    list_filter = ["kind"]
    fields = list_display

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
