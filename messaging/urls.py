from django.urls import path

from messaging.views import conversations, reports, requests

app_name = "messaging"

urlpatterns = [
    path("messages/", conversations.inbox, name="inbox"),
    path("messages/live/", conversations.live_update, name="live"),
    path("messages/requests/", requests.requests_tray, name="requests"),
    path(
        "messages/requests/<uuid:request_id>/accept/",
        requests.request_accept,
        name="request_accept",
    ),
    path(
        "messages/requests/<uuid:request_id>/decline/",
        requests.request_decline,
        name="request_decline",
    ),
    path(
        "messages/requests/<uuid:request_id>/block/", requests.request_block, name="request_block"
    ),
    path(
        "messages/requests/<uuid:request_id>/report/", reports.report_request, name="request_report"
    ),
    path("messages/start/<slug:handle>/", requests.start, name="start"),
    path("messages/report/member/<slug:handle>/", reports.report_profile, name="report_profile"),
    path(
        "messages/<uuid:conversation_id>/", conversations.conversation_detail, name="conversation"
    ),
    path("messages/<uuid:conversation_id>/send/", conversations.send, name="send"),
    path(
        "messages/<uuid:conversation_id>/report/",
        reports.report_conversation,
        name="report_conversation",
    ),
    path(
        "messages/<uuid:conversation_id>/<int:message_id>/delete/",
        conversations.delete,
        name="delete",
    ),
    path(
        "messages/<uuid:conversation_id>/<int:message_id>/report/",
        reports.report_message,
        name="report_message",
    ),
    # Moderators
    path("review/reports/", reports.report_queue, name="report_queue"),
    path("review/reports/<int:report_id>/", reports.report_detail, name="report_detail"),
]
