from django.urls import path

from matching.views import matches, review, values

app_name = "matching"

urlpatterns = [
    # The values questionnaire (views/values.py)
    path("me/values/", values.values, name="values"),
    path("me/values/consent/", values.consent, name="values_consent"),
    path("me/values/stop/", values.stop, name="values_stop"),
    # Suggestions (views/matches.py)
    path("matches/", matches.matches, name="matches"),
    path("matches/dismiss/<slug:handle>/", matches.dismiss, name="dismiss"),
    path("matches/feedback/<slug:handle>/", matches.feedback, name="feedback"),
    # Staff: how often suggestions land (views/review.py)
    path("review/matching/", review.suggestion_quality, name="suggestion_quality"),
]
