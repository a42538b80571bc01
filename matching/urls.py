from django.urls import path

from matching.views import matches, values

app_name = "matching"

urlpatterns = [
    # The values questionnaire (views/values.py)
    path("me/values/", values.values, name="values"),
    path("me/values/consent/", values.consent, name="values_consent"),
    path("me/values/stop/", values.stop, name="values_stop"),
    # Suggestions (views/matches.py)
    path("matches/", matches.matches, name="matches"),
    path("matches/dismiss/<slug:handle>/", matches.dismiss, name="dismiss"),
]
