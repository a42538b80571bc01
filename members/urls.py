from django.urls import path

from members.views import (
    applications,
    audit,
    calendar,
    data,
    directory,
    network,
    photos,
    places,
    profiles,
    review,
    sessions,
)

app_name = "members"

urlpatterns = [
    # The applicant's side (views/applications.py)
    path("apply/", applications.status, name="status"),
    path("apply/renewal/", applications.renewal, name="renewal"),
    path("apply/references/<str:token>/", applications.reference, name="reference"),
    path(
        "apply/references/<int:position>/remind/",
        applications.reference_remind,
        name="reference_remind",
    ),
    path(
        "apply/references/<int:position>/replace/",
        applications.reference_replace_view,
        name="reference_replace",
    ),
    path("apply/vouch/<int:application_id>/", applications.vouch, name="vouch"),
    path("places/search/", places.place_search, name="place_search"),
    # Logging out of other devices, from allauth's sessions page (sessions.py)
    path("accounts/sessions/end/", sessions.sessions_end, name="sessions_end"),
    # Staff (review.py)
    path("review/", review.queue, name="review_queue"),
    path("review/<int:application_id>/", review.detail, name="review_detail"),
    path("review/<int:application_id>/decide/", review.decide, name="review_decide"),
    path(
        "review/<int:application_id>/verify-license/",
        review.verify_license,
        name="review_verify_license",
    ),
    path("review/<int:application_id>/claim/", review.claim, name="review_claim"),
    path("review/<int:application_id>/notes/", review.note_add, name="review_note_add"),
    path(
        "review/<int:application_id>/references/<int:position>/remind/",
        review.reference_remind,
        name="review_reference_remind",
    ),
    path("review/members/", review.member_search, name="review_members"),
    path("review/audit/", audit.audit_log, name="audit_log"),
    path("directory/", directory.directory, name="directory"),
    # Profiles, privacy and connections (profiles.py)
    path("members/<slug:handle>/", profiles.profile_detail, name="profile"),
    path("members/<slug:handle>/connect/", profiles.connect, name="connect"),
    path("members/<slug:handle>/withdraw/", profiles.withdraw, name="withdraw"),
    path("members/<slug:handle>/accept/", profiles.accept, name="accept"),
    path("members/<slug:handle>/decline/", profiles.decline, name="decline"),
    path("members/<slug:handle>/remove/", profiles.remove, name="remove"),
    path("members/<slug:handle>/block/", profiles.block, name="block"),
    path("members/<slug:handle>/unblock/", profiles.unblock, name="unblock"),
    path("members/<slug:handle>/relationship/", profiles.relationship, name="relationship"),
    path("me/profile/", profiles.profile_edit, name="profile_edit"),
    # Profile photos (photos.py)
    path("members/<slug:handle>/photo/<slug:token>/<int:size>/", photos.photo, name="photo"),
    path("me/profile/photo/", photos.photo_upload, name="photo_upload"),
    path("me/profile/photo/remove/", photos.photo_remove, name="photo_remove"),
    path("me/privacy/", profiles.privacy, name="privacy"),
    path("me/connections/", profiles.connections, name="connections"),
    # A member's own data (data.py)
    path("me/data/", data.data_export, name="data_export"),
    path("me/data/<uuid:export_id>/", data.data_export_download, name="data_export_download"),
    path("me/delete/", data.account_delete, name="account_delete"),
    path("me/delete/cancel/", data.deletion_pending, name="deletion_pending"),
    # The private calendar feed (calendar.py): settings, and the token-addressed feed
    path("me/calendar/", calendar.calendar_settings, name="calendar_settings"),
    path("me/calendar/regenerate/", calendar.calendar_regenerate, name="calendar_regenerate"),
    path("me/calendar/revoke/", calendar.calendar_revoke, name="calendar_revoke"),
    path("calendar/<str:token>.ics", calendar.calendar_feed, name="calendar_feed"),
    # The network check (network.py)
    path("network/", network.network, name="network"),
    path("network/<slug:handle>/tag/", network.tag, name="network_tag"),
    path("network/<slug:handle>/follow-up/", network.follow_up, name="follow_up"),
    path(
        "network/follow-ups/<int:follow_up_id>/cancel/",
        network.follow_up_cancel,
        name="follow_up_cancel",
    ),
]
