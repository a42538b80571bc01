"""Messaging's pages: conversations.py (inbox, a conversation, sending, deleting, the
live check), requests.py (starting a conversation, the request tray), reports.py
(members reporting, the moderators' queue)."""
