from django.contrib import admin

from notifications.models import DigestEmail, Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """For looking into a delivery ("why did I not get the email?"), not for editing."""

    list_display = ["created_at", "kind", "recipient", "email_status", "email_reason", "read_at"]
    list_filter = ["kind", "email_status"]
    search_fields = ["recipient__email", "key"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(DigestEmail)
class DigestEmailAdmin(admin.ModelAdmin):
    list_display = ["period", "user", "status", "count", "sent_at"]
    list_filter = ["status"]
    search_fields = ["user__email"]
    readonly_fields = [f.name for f in DigestEmail._meta.fields]

    def has_add_permission(self, request):
        return False
