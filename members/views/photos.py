"""Profile photos: serving them to those who may see the person, and a member changing
or removing their own (/me/profile/photo/…).

Photos are member-only data, so they are never public media: each request goes through
the profile access rule (`access_profile`), and a 404 is the only answer anyone who
may not see the person ever gets.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import get_conditional_response, patch_cache_control
from django.views.decorators.http import require_GET, require_POST

from hive.access import member_required
from members import photos
from members.access import ProfileMoved, access_profile
from members.forms.profiles import PhotoForm, ProfileForm
from members.models import Profile

# The URL carries the photo's token, so a new photo has a new URL: what a browser has
# cached for one URL never changes, and it may keep it for a year.
CACHE_SECONDS = 60 * 60 * 24 * 365


@require_GET
def photo(request: HttpRequest, handle: str, token: str, size: int) -> HttpResponse:
    """The photo of the member at `handle`, at `size` pixels, for a viewer who may see
    that member (the same rule as their profile page); 404 for everyone else.

    Not behind @member_required, whose answer is a redirect to log in: for an image
    a plain 404 says less. Not rate limited like profile pages either: a directory page
    shows twenty photos, and the token in the URL is only learnt from a page that is
    (a wrong token is a 404), so photo URLs cannot be used to probe for handles.
    """
    if not request.user.is_authenticated:
        # access_profile serves logged-in viewers only (it looks up their connection).
        raise Http404("No such photo.")
    try:
        profile = access_profile(request.user, handle).profile
    except ProfileMoved as moved:
        if moved.profile.photo_token != token:
            raise Http404("No such photo.") from None
        return redirect("members:photo", handle=moved.profile.handle, token=token, size=size)
    if size not in photos.SIZES or not profile.photo_token or profile.photo_token != token:
        raise Http404("No such photo.")
    etag = f'"{token}-{size}"'
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        return _cacheable(not_modified, etag)
    try:
        file = default_storage.open(photos.photo_name(token, size), "rb")
    except FileNotFoundError:
        raise Http404("No such photo.") from None
    return _cacheable(FileResponse(file, content_type=photos.CONTENT_TYPE), etag)


def _cacheable(response: HttpResponse, etag: str) -> HttpResponse:
    response["ETag"] = etag
    # Private: only the viewer's own browser may keep it, never a shared cache.
    patch_cache_control(response, private=True, max_age=CACHE_SECONDS, immutable=True)
    # Other sites may not embed it, even for a member who is logged in here.
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


@member_required
@require_POST
def photo_upload(request: HttpRequest) -> HttpResponse:
    """Upload a new photo for my profile, replacing any old one (whose files go).

    A file that is refused re-shows my profile page with the reason next to the photo
    field; the profile form below it is as saved.
    """
    profile = get_object_or_404(Profile, user=request.user)
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        context = {
            "form": ProfileForm(instance=profile),
            "photo_form": form,
            "query": "",
            "places": [],
            "searched": False,
        }
        return render(request, "members/profile_edit.html", context)
    photos.profile_photo_set(profile=profile, photo=form.cleaned_data["photo"])
    messages.success(request, "Your photo is saved.")
    return redirect("members:profile_edit")


@member_required
@require_POST
def photo_remove(request: HttpRequest) -> HttpResponse:
    """Remove the photo from my profile (its files are deleted); initials show instead."""
    profile = get_object_or_404(Profile, user=request.user)
    if profile.photo_token:
        photos.profile_photo_remove(profile=profile)
        messages.success(request, "Your photo is removed.")
    return redirect("members:profile_edit")
