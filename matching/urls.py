from django.urls import path

from matching import values_views, views

app_name = "matching"

urlpatterns = [
    # The values questionnaire (values_views.py)
    path("me/values/", values_views.values, name="values"),
    path("me/values/consent/", values_views.consent, name="values_consent"),
    path("me/values/stop/", values_views.stop, name="values_stop"),
    # Suggestions (views.py)
    path("matches/", views.matches, name="matches"),
    path("matches/dismiss/<slug:handle>/", views.dismiss, name="dismiss"),
]
