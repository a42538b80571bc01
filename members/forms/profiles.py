"""Forms for a member's own profile (/me/profile/) and privacy settings (/me/privacy/)."""

from __future__ import annotations

from typing import NamedTuple

from django import forms

from hive.timezones import TimeZoneField
from hive.widgets import QuickCheckboxSelectMultiple, QuickRadioSelect
from members import markdown, photos
from members.models import US_JURISDICTIONS, Connection, ConnectionTag, FollowUp, Profile, Term
from members.privacy import TERM_KIND_FIELDS

SEARCHABLE_FROM = 12  # options; a shorter list is read at a glance


class Pick(NamedTuple):
    """A long vocabulary on the profile editor: its field and the labels chosen."""

    field: forms.BoundField
    chosen: list[str]
    searchable: bool  # long enough to want a filter box


class ProfileForm(forms.ModelForm):
    """Everything a member edits about their practice profile, except the handle's
    uniqueness (profile_change_handle owns that) and the photo (PhotoForm, a form of its
    own: a file cannot be kept across a re-shown form the way typed text is).

    The place arrives as five hidden fields filled by the server from the offline place
    list (see `ProfileForm.choose_place`), never typed by hand. The time zone is the
    member's own (User.timezone), shown beside the place it usually follows.

    The page lays the fields out in SECTIONS. Short optional choices are radio buttons,
    each with a first option that says what leaving it empty means (never Django's
    "---------"); long vocabularies are checkbox lists a script makes searchable.
    """

    handle = forms.CharField(
        max_length=40,
        help_text="Your address on Hive: /members/your-handle/. Old addresses keep working.",
    )
    telehealth_jurisdictions = forms.MultipleChoiceField(
        label="Telehealth jurisdictions",
        choices=US_JURISDICTIONS,
        required=False,
        widget=QuickCheckboxSelectMultiple,
        help_text="Where you are licensed to see clients by video or phone.",
    )

    # Not required: a post without it (an older page) leaves the member's zone alone.
    timezone = TimeZoneField(
        required=False,
        help_text="Every time in Hive (events, sessions, emails) is shown in this zone.",
    )

    # What leaving each optional choice empty means, as its first option.
    EMPTY_CHOICES = {
        "credential_tier": "Not stated",
        "career_stage": "Not stated",
        "accepting_referrals": "Not stated",
        "office_space": "Neither",
    }

    class Meta:
        model = Profile
        fields = [
            "display_name",
            "pronouns",
            "headline",
            "bio",
            "profession",
            "credential_tier",
            "credentials",
            "career_stage",
            "accepting_referrals",
            "office_space",
            "telehealth_jurisdictions",
            "city",
            "region",
            "country",
            "latitude",
            "longitude",
        ]
        labels = {
            "bio": "About me",
            "credential_tier": "Credential tier",
            "credentials": "Letters after your name",
            "accepting_referrals": "Referrals",
        }
        help_texts = {"bio": markdown.HELP_TEXT}
        widgets = {
            "bio": forms.Textarea(attrs={"rows": 8}),
            "city": forms.HiddenInput,
            "region": forms.HiddenInput,
            "country": forms.HiddenInput,
            "latitude": forms.HiddenInput,
            "longitude": forms.HiddenInput,
        }

    # The term kinds, as checkbox lists; built in __init__ from the vocabulary data.
    TERM_FIELDS = {
        field: kind for kind, field in TERM_KIND_FIELDS.items()
    }  # field name -> Term.Kind

    TERM_LABELS = {
        "specialties": "Specialties",
        "modalities": "Modalities",
        "populations": "Populations served",
        "languages": "Languages",
        "looking_for": "What you're looking for",
    }

    def __init__(self, *args, zone: str = "UTC", zone_fallback: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handle"].initial = self.instance.handle
        self.fields["timezone"].prepare(zone, fallback=zone_fallback)
        for name, empty in self.EMPTY_CHOICES.items():
            field = self.fields[name]
            field.choices = [("", empty), *(c for c in field.choices if c[0] != "")]
            field.widget = QuickRadioSelect(choices=field.choices)
        chosen = (
            set(self.instance.terms.values_list("pk", flat=True)) if self.instance.pk else set()
        )
        terms_by_kind: dict[str, list[Term]] = {}
        for term in Term.objects.exclude(kind=Term.Kind.PROFESSION):
            terms_by_kind.setdefault(term.kind, []).append(term)
        for field, kind in self.TERM_FIELDS.items():
            terms = terms_by_kind.get(kind, [])
            self.fields[field] = forms.TypedMultipleChoiceField(
                label=self.TERM_LABELS[field],
                choices=[(term.pk, term.label) for term in terms],
                coerce=int,
                required=False,
                widget=QuickCheckboxSelectMultiple,
                initial=[term.pk for term in terms if term.pk in chosen],
            )
        self.fields["profession"].queryset = Term.objects.filter(kind=Term.Kind.PROFESSION)
        self.fields["profession"].empty_label = "Choose your profession"

    def term_fields(self):
        return [self[field] for field in self.TERM_FIELDS]

    def picks(self) -> list[Pick]:
        """The long vocabularies (terms, then telehealth jurisdictions), each with what is
        chosen now (as typed when the form comes back, else as saved)."""
        picks = []
        for name in [*self.TERM_FIELDS, "telehealth_jurisdictions"]:
            bound = self[name]
            chosen = {str(value) for value in (bound.value() or [])}
            labels = [label for value, label in bound.field.choices if str(value) in chosen]
            picks.append(Pick(bound, labels, len(bound.field.choices) > SEARCHABLE_FROM))
        return picks

    # The page's sections: (id, title, what it holds, its fields). A section holding a
    # field with an error opens when the form comes back.
    SECTIONS = [
        (
            "about",
            "About you",
            "Name, address, pronouns, headline and bio",
            ["display_name", "handle", "pronouns", "headline", "bio"],
        ),
        (
            "credentials",
            "Credentials",
            "Profession, tier, letters and career stage",
            ["profession", "credential_tier", "credentials", "career_stage"],
        ),
        (
            "practice",
            "Practice",
            "Referrals, office space, specialties, modalities, "
            "populations, languages and what you're looking for",
            ["accepting_referrals", "office_space", *TERM_FIELDS],
        ),
        (
            "location",
            "Location and time zone",
            "City, telehealth jurisdictions and time zone",
            [
                "city",
                "region",
                "country",
                "latitude",
                "longitude",
                "telehealth_jurisdictions",
                "timezone",
            ],
        ),
    ]

    def sections_with_changes(self) -> set[str]:
        """Sections holding something typed and not saved yet (a form shown again)."""
        if not self.is_bound:
            return set()
        changed = set(self.changed_data)
        return {key for key, _, _, names in self.SECTIONS if changed & set(names)}

    def sections_with_errors(self) -> set[str]:
        if not self.is_bound or not self.errors:
            return set()
        wrong = set(self.errors)
        return {key for key, _, _, names in self.SECTIONS if wrong & set(names)}

    def chosen_term_ids(self) -> set[int]:
        return {pk for field in self.TERM_FIELDS for pk in self.cleaned_data.get(field, [])}

    @property
    def place_label(self) -> str:
        """The place as it will be saved: what the hidden fields hold now."""
        data = self.data if self.is_bound else None
        if data is not None:
            city, region, country = (data.get(name, "") for name in ("city", "region", "country"))
        else:
            city, region, country = self.instance.city, self.instance.region, self.instance.country
        return ", ".join(part for part in (city, region, country) if part)


class PhotoForm(forms.Form):
    """A new profile photo. Cleaning checks the file and makes the images to store
    (members/photos.py), so `cleaned_data["photo"]` is a PreparedPhoto."""

    photo = forms.FileField(
        label="Choose a photo",
        help_text=(
            f"A JPEG, PNG or WebP image of at most {photos.MAX_UPLOAD_BYTES // (1024 * 1024)} MB."
            " We crop it to a square from the centre and remove everything but the picture"
            " (camera details and location included)."
        ),
        error_messages={
            "required": "Please choose a photo to upload.",
            "empty": "This file is empty. Please choose a photo.",
        },
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    def clean_photo(self) -> photos.PreparedPhoto:
        return photos.photo_prepare(self.cleaned_data["photo"])


class PrivacyForm(forms.ModelForm):
    """Who sees each field group, and the two switches."""

    class Meta:
        model = Profile
        fields = [
            "about_visibility",
            "practice_visibility",
            "location_visibility",
            "credentials_visibility",
            "listed_in_directory",
            "suggest_in_matches",
        ]
        labels = {
            "about_visibility": "About me: pronouns, headline and bio",
            "practice_visibility": "Practice: specialties, modalities, populations, languages, "
            "referrals, office space and what I'm looking for",
            "location_visibility": "Location: city and telehealth jurisdictions",
            "credentials_visibility": "Credentials: profession, tier, letters and career stage",
        }
        help_texts = {
            "listed_in_directory": "Members can find you by searching the directory.",
            "suggest_in_matches": "Hive may suggest you to members with matching interests.",
        }
        widgets = {
            "about_visibility": forms.RadioSelect,
            "practice_visibility": forms.RadioSelect,
            "location_visibility": forms.RadioSelect,
            "credentials_visibility": forms.RadioSelect,
        }

    def visibility_fields(self):
        return [self[name] for name in self.Meta.fields[:4]]


class ConnectForm(forms.Form):
    note = forms.CharField(
        label="A short note (optional)",
        max_length=Connection._meta.get_field("note").max_length,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


SCORES = [(n, str(n)) for n in range(1, 6)]


class ConnectionTagForm(forms.Form):
    """A private tag on one connection (/network/)."""

    type = forms.ChoiceField(label="Kind of tie", choices=ConnectionTag.Type.choices)
    strength = forms.TypedChoiceField(
        label="Strength (1 weak – 5 strong)", choices=SCORES, coerce=int, initial=3
    )
    importance = forms.TypedChoiceField(
        label="Importance to you (1 – 5)", choices=SCORES, coerce=int, initial=3
    )


class FollowUpForm(forms.Form):
    """ "Remind me to follow up in N weeks", posted from any page that offers it (a coffee
    check-in, an event's follow-up, /network/) to members:follow_up."""

    WEEKS = FollowUp.WEEKS

    weeks = forms.TypedChoiceField(
        label="Remind me in", choices=WEEKS, coerce=int, initial=FollowUp.DEFAULT_WEEKS
    )
    source = forms.ChoiceField(
        choices=FollowUp.Source.choices, initial=FollowUp.Source.NETWORK, required=False
    )
    about = forms.CharField(max_length=200, required=False)
