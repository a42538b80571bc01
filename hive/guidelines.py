"""The community guidelines and values statement (templates/pages/guidelines.html).

They are versioned: an application records the version it accepted, and a new version
must be accepted again. Change the version whenever the page's substance changes.
"""

GUIDELINES_VERSION = "2026-11"
