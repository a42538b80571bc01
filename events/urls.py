from django.urls import path

from events.views import attend, certificates, organize, pages

app_name = "events"

urlpatterns = [
    path("events/", pages.event_list, name="list"),
    path("events/new/", organize.event_create_view, name="create"),
    path("events/<slug:slug>/", pages.event_detail, name="detail"),
    path("events/<slug:slug>/rsvp/", attend.rsvp, name="rsvp"),
    path("events/<slug:slug>/rsvp/cancel/", attend.cancel_rsvp, name="rsvp_cancel"),
    path("events/<slug:slug>/calendar.ics", attend.event_calendar, name="calendar"),
    path("events/<slug:slug>/certificate.pdf", attend.certificate, name="certificate"),
    path("events/<slug:slug>/attended-with/", attend.attended_with, name="attended_with"),
    path("events/<slug:slug>/edit/", organize.event_edit, name="edit"),
    path("events/<slug:slug>/cancel/", organize.event_cancel_view, name="cancel"),
    path("events/<slug:slug>/listing/", organize.event_listing, name="listing"),
    path("events/<slug:slug>/manage/", organize.organizer_page, name="manage"),
    path(
        "events/<slug:slug>/manage/organizers/remove/",
        organize.organizer_remove_view,
        name="organizer_remove",
    ),
    path("events/<slug:slug>/manage/attendees.csv", organize.attendees_csv, name="attendees_csv"),
    path("events/<slug:slug>/check-in/", organize.check_in_list, name="check_in"),
    path("certificates/<str:code>/", certificates.certificate_check, name="certificate_check"),
]
