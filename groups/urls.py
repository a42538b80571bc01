from django.urls import path

from groups.views import groups, membership, review, sessions

app_name = "groups"

G = "groups/<slug:group_slug>/"
S = G + "sessions/<uuid:session_id>/"

urlpatterns = [
    path("groups/", groups.group_list, name="list"),
    path("groups/new/", groups.group_create, name="create"),
    path(G, groups.group_detail, name="detail"),
    path(G + "edit/", groups.group_edit, name="edit"),
    path(G + "agreement/", groups.agreement, name="agreement"),
    path(G + "discussion/", groups.post_create, name="post"),
    path(G + "join/", membership.join, name="join"),
    path(G + "invitation/", membership.invitation, name="invitation"),
    path(G + "leave/", membership.leave, name="leave"),
    path(G + "seat/", membership.seat, name="seat"),
    path(G + "handover/", membership.handover, name="handover"),
    path(G + "introduction/", membership.intro_answer, name="intro_answer"),
    path(G + "report/", review.report, name="report"),
    path(G + "invite/", membership.invite, name="invite"),
    path(G + "members/<uuid:membership_id>/decide/", membership.decide, name="decide"),
    path(G + "members/<uuid:membership_id>/remove/", membership.remove, name="remove"),
    path(G + "members/<uuid:membership_id>/introduction/", membership.intro_propose, name="intro"),
    path(G + "sessions/", sessions.session_list, name="sessions"),
    path(S, sessions.session_detail, name="session"),
    path(S + "rsvp/", sessions.rsvp, name="rsvp"),
    path(S + "checklist/", sessions.checklist, name="checklist"),
    path(S + "recuse/", sessions.recuse, name="recuse"),
    path(S + "notes/", sessions.notes, name="notes"),
    path(S + "swap/", sessions.swap_ask, name="swap"),
    path(S + "swap/answer/", sessions.swap_answer, name="swap_answer"),
    path(S + "change/", sessions.session_change, name="session_change"),
    # Moderators: groups with open reports (staff with two-factor sign-in).
    path("review/groups/", review.review_queue, name="review_queue"),
    path("review/groups/<slug:group_slug>/", review.review_group, name="review_group"),
]
