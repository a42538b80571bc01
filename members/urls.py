from django.urls import path

from members import directory_views, photo_views, place_views, profile_views, review_views, views

app_name = "members"

urlpatterns = [
    # The applicant's side (views.py)
    path("apply/", views.status, name="status"),
    path("apply/renewal/", views.renewal, name="renewal"),
    path("apply/references/<str:token>/", views.reference, name="reference"),
    path("apply/vouch/<int:application_id>/", views.vouch, name="vouch"),
    path("places/search/", place_views.place_search, name="place_search"),
    # Staff (review_views.py)
    path("review/", review_views.queue, name="review_queue"),
    path("review/<int:application_id>/", review_views.detail, name="review_detail"),
    path("review/<int:application_id>/decide/", review_views.decide, name="review_decide"),
    path(
        "review/<int:application_id>/verify-license/",
        review_views.verify_license,
        name="review_verify_license",
    ),
    path("directory/", directory_views.directory, name="directory"),
    # Profiles, privacy and connections (profile_views.py)
    path("members/<slug:handle>/", profile_views.profile_detail, name="profile"),
    path("members/<slug:handle>/connect/", profile_views.connect, name="connect"),
    path("members/<slug:handle>/withdraw/", profile_views.withdraw, name="withdraw"),
    path("members/<slug:handle>/accept/", profile_views.accept, name="accept"),
    path("members/<slug:handle>/decline/", profile_views.decline, name="decline"),
    path("members/<slug:handle>/remove/", profile_views.remove, name="remove"),
    path("members/<slug:handle>/block/", profile_views.block, name="block"),
    path("members/<slug:handle>/unblock/", profile_views.unblock, name="unblock"),
    path("me/profile/", profile_views.profile_edit, name="profile_edit"),
    # Profile photos (photo_views.py)
    path("members/<slug:handle>/photo/<slug:token>/<int:size>/", photo_views.photo, name="photo"),
    path("me/profile/photo/", photo_views.photo_upload, name="photo_upload"),
    path("me/profile/photo/remove/", photo_views.photo_remove, name="photo_remove"),
    path("me/privacy/", profile_views.privacy, name="privacy"),
    path("me/connections/", profile_views.connections, name="connections"),
]
