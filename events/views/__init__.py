"""The events app's pages, by concern: pages.py (the list, an event, its public page),
attend.py (RSVP, calendar file, certificate), organize.py (create, edit, cancel, the
organizer page, check-in, CSV), certificates.py (the public check)."""
