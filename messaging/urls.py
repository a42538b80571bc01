from django.urls import path  # noqa: F401 - routes are added as the app is built

app_name = "messaging"

urlpatterns: list = []
