"""Forms for a member's own profile (/me/profile/) and privacy settings (/me/privacy/)."""

from __future__ import annotations

from django import forms

from hive.widgets import QuickCheckboxSelectMultiple
from members import markdown, photos
from members.models import US_JURISDICTIONS, Connection, ConnectionTag, FollowUp, Profile, Term
from members.privacy import TERM_KIND_FIELDS


class ProfileForm(forms.ModelForm):
    """Everything a member edits about their practice profile, except the handle's
    uniqueness (profile_change_handle owns that) and the photo (PhotoForm, a form of its
    own: a file cannot be kept across a re-shown form the way typed text is).

    The place arrives as five hidden fields filled by the server from the offline place
    list (see `ProfileForm.choose_place`), never typed by hand.
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
        labels = {"bio": "About me", "credential_tier": "Credential tier"}
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handle"].initial = self.instance.handle
        chosen = (
            set(self.instance.terms.values_list("pk", flat=True)) if self.instance.pk else set()
        )
        terms_by_kind: dict[str, list[Term]] = {}
        for term in Term.objects.exclude(kind=Term.Kind.PROFESSION):
            terms_by_kind.setdefault(term.kind, []).append(term)
        for field, kind in self.TERM_FIELDS.items():
            terms = terms_by_kind.get(kind, [])
            self.fields[field] = forms.TypedMultipleChoiceField(
                label=Term.Kind(kind).label if kind != Term.Kind.LOOKING_FOR else "Looking for",
                choices=[(term.pk, term.label) for term in terms],
                coerce=int,
                required=False,
                widget=QuickCheckboxSelectMultiple,
                initial=[term.pk for term in terms if term.pk in chosen],
            )
        self.fields["profession"].queryset = Term.objects.filter(kind=Term.Kind.PROFESSION)
        self.fields["profession"].empty_label = "—"

    def term_fields(self):
        return [self[field] for field in self.TERM_FIELDS]

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

    WEEKS = [(1, "1 week"), (2, "2 weeks"), (3, "3 weeks"), (4, "4 weeks")] + [
        (n, f"{n} weeks") for n in (6, 8, 12)
    ]

    weeks = forms.TypedChoiceField(label="Remind me in", choices=WEEKS, coerce=int, initial=4)
    source = forms.ChoiceField(
        choices=FollowUp.Source.choices, initial=FollowUp.Source.NETWORK, required=False
    )
    about = forms.CharField(max_length=200, required=False)
