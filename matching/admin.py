"""Staff views of the questionnaire and of members' matching data.

Members' answers and dismissals are not here at all: they are private to their member,
and nobody at Hive needs to read them.
"""

from django.contrib import admin

from matching.models import Questionnaire, Statement


class StatementInline(admin.TabularInline):
    model = Statement
    fields = ["position", "key", "topic", "text", "options"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    """Questionnaires come from data migrations; the admin only shows them."""

    list_display = ["version", "created_at"]
    inlines = [StatementInline]

    def has_add_permission(self, request):
        return False


@admin.register(Statement)
class StatementAdmin(admin.ModelAdmin):
    """Wording may be corrected here; keys and options are fixed once loaded, because
    answers refer to options by position."""

    list_display = ["key", "topic", "questionnaire", "position"]
    list_filter = ["questionnaire"]
    search_fields = ["key", "topic", "text"]
    readonly_fields = ["questionnaire", "key", "position", "options"]

    def has_add_permission(self, request):
        return False
