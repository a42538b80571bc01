from django.urls import path

from coffee import views

app_name = "coffee"

D = "coffee/dates/<uuid:date_id>/"

urlpatterns = [
    path("coffee/", views.coffee_home, name="home"),
    path("coffee/settings/", views.settings_save, name="settings"),
    path("coffee/resume/", views.resume, name="resume"),
    path("coffee/apart/", views.apart_add, name="apart_add"),
    path("coffee/apart/<slug:handle>/remove/", views.apart_remove, name="apart_remove"),
    path(D + "accept/", views.date_accept, name="accept"),
    path(D + "pass/", views.date_pass, name="pass"),
    path(D + "check-in/", views.date_check_in, name="check_in"),
    path(D + "rating/", views.date_rate, name="rate"),
    # Staff: the rounds, and "run a round now"
    path("review/coffee/", views.review_rounds, name="review_rounds"),
    path("review/coffee/run/", views.review_run, name="review_run"),
]
