"""Consultation group pages: groups.py (the list, a group's page, creating and editing,
the agreement, the discussion), membership.py (join, request, invite, approve, leave,
remove), sessions.py (a session's page: RSVP, rota, checklist, recusal, notes)."""
