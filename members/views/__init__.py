"""The members app's pages, by area:

- applications.py: the applicant's status page, renewal, reference and vouch answers.
- review.py: the staff review queue and decisions (/review/).
- profiles.py: profiles, my profile and privacy, connection and block actions.
- photos.py: profile photos, served behind the profile rule.
- places.py: the city autocomplete.
- directory.py: the directory and its search.
- sessions.py: logging out of other devices (allauth's sessions page).
"""
