"""The matching app's pages:

- values.py: the values questionnaire (/me/values/), consent and withdrawal.
- matches.py: suggestions by purpose (/matches/) and dismissing them.
"""
