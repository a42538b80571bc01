"""The members app's forms, by page area:

- accounts.py: what we add to allauth's sign-up form.
- applications.py: the application, license renewal, reference answers, vouches.
- profiles.py: profile editing, photo upload, privacy settings, connection notes.
- review.py: the staff review queue's filters, decisions and license checklist.
"""
