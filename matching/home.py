"""The matching app's card on the member home (see hive/home.py): the values
questionnaire, offered right after approval until at least half is answered."""

from __future__ import annotations

from django.http import HttpRequest

from hive.home import HomeCard
from matching.services import values_progress


def home_cards(request: HttpRequest) -> list[HomeCard]:
    progress = values_progress(member=request.user)  # one query
    if not progress.total or progress.at_least_half:
        return []
    return [HomeCard("matching/home/values.html", {"progress": progress}, order=20)]
