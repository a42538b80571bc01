from django.urls import path

from members import place_views, review_views, views

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
]
