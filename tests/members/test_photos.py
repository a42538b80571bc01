"""Profile photos (members/photos.py, members/views/photos.py): what an upload must be,
what is stored (no metadata, upright, square, two sizes, random names), that old files
go, who may fetch a photo, and where photos show."""

import io
import re
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import ExifTags, Image, ImageCms, ImageFile

from members import photos, services
from members.models import Profile, User
from tests.members.factories import ApplicantFactory, MemberFactory, StaffFactory

pytestmark = pytest.mark.django_db

RED, BLUE = (220, 30, 30), (30, 30, 220)
NAME_RE = re.compile(r"profile-photos/[0-9a-f]{32}-(400|96)\.webp")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Every file a test writes lands in its own temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def owner():
    user = MemberFactory()
    Profile.objects.filter(user=user).update(handle="dana-owner", display_name="Dana Owner")
    user.refresh_from_db()
    return user


def image_bytes(fmt="JPEG", size=(600, 400), mode="RGB", color=RED, image=None, **save):
    image = image or Image.new(mode, size, color)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **save)
    return buffer.getvalue()


def upload(data, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def stored_files(media):
    root = media / "profile-photos"
    return sorted(p.relative_to(media).as_posix() for p in root.iterdir()) if root.exists() else []


def give_photo(user, data=None):
    prepared = photos.photo_prepare(upload(data or image_bytes()))
    return photos.profile_photo_set(profile=user.profile, photo=prepared).photo_token


def photo_url(handle="dana-owner", token="", size=96):
    return reverse("members:photo", args=[handle, token, size])


def post_photo(client, data, name="photo.jpg", content_type="image/jpeg"):
    return client.post(reverse("members:photo_upload"), {"photo": upload(data, name, content_type)})


def error_of(response) -> str:
    """The message shown next to the photo field."""
    assert response.status_code == 200
    errors = response.context["photo_form"].errors.get("photo")
    assert errors, "expected an error on the photo field"
    return " ".join(errors)


# --- What is stored -------------------------------------------------------------------------


def exif_with_gps_and_orientation(orientation: int) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "SecretCam"
    exif[ExifTags.Base.DateTimeOriginal] = "2026:01:02 03:04:05"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (37.0, 46.0, 29.64)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (122.0, 25.0, 9.84)
    return exif


def test_jpeg_loses_exif_and_gps_and_is_turned_upright(owner, media):
    # What the camera saw, upright: 300 wide, 600 tall, red above and blue below.
    upright = Image.new("RGB", (300, 600), RED)
    upright.paste(BLUE, (0, 300, 300, 600))
    # The sensor stored it turned a quarter to the left, and EXIF orientation 6 says
    # "turn a quarter to the right to show it".
    stored = upright.transpose(Image.Transpose.ROTATE_90)
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = image_bytes(
        image=stored,
        exif=exif_with_gps_and_orientation(6),
        icc_profile=srgb,
        comment=b"secret comment",
        quality=95,
    )
    # The upload really carries what must go.
    with Image.open(io.BytesIO(data)) as original:
        assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert original.size == (600, 300)

    token = give_photo(owner, data)

    assert stored_files(media) == [photos.photo_name(token, 400), photos.photo_name(token, 96)]
    for size in photos.SIZES:
        raw = (media / photos.photo_name(token, size)).read_bytes()
        for secret in (b"Exif", b"SecretCam", b"2026:01:02", b"secret comment", b"GPS"):
            assert secret not in raw
        with Image.open(io.BytesIO(raw)) as result:
            assert result.format == "WEBP"
            assert result.size == (size, size)
            assert not result.getexif()
            assert not {"exif", "icc_profile", "xmp", "comment"} & set(result.info)
            rgb = result.convert("RGB")
            # Red above, blue below, across the whole width: upright, not on its side.
            for x in (size // 6, size // 2, size * 5 // 6):
                assert close(rgb.getpixel((x, size // 6)), RED)
                assert close(rgb.getpixel((x, size * 5 // 6)), BLUE)


def close(actual, expected, tolerance=40) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=False))


def test_crop_is_square_from_the_centre(owner, media):
    wide = Image.new("RGB", (900, 300), BLUE)
    wide.paste(RED, (300, 0, 600, 300))  # only the middle third is red
    token = give_photo(owner, image_bytes("PNG", image=wide))
    with Image.open(media / photos.photo_name(token, 400)) as result:
        rgb = result.convert("RGB")
        assert close(rgb.getpixel((10, 200)), RED)
        assert close(rgb.getpixel((390, 200)), RED)


def test_big_camera_jpeg_is_scaled_down(owner, media):
    token = give_photo(owner, image_bytes(size=(4000, 3000), quality=90))
    for size in photos.SIZES:
        with Image.open(media / photos.photo_name(token, size)) as result:
            assert result.size == (size, size)


def test_png_transparency_is_kept(owner, media):
    picture = Image.new("RGBA", (300, 300), (0, 0, 0, 0))
    picture.paste((30, 120, 90, 255), (100, 100, 200, 200))
    token = give_photo(owner, image_bytes("PNG", image=picture))
    with Image.open(media / photos.photo_name(token, 400)) as result:
        assert result.mode == "RGBA"
        assert result.getpixel((5, 5))[3] == 0
        assert result.getpixel((200, 200))[3] == 255


@pytest.mark.parametrize(
    ("fmt", "mode", "color"),
    [("WEBP", "RGB", RED), ("JPEG", "CMYK", (0, 200, 200, 0)), ("PNG", "L", 90)],
)
def test_other_accepted_images(owner, media, fmt, mode, color):
    token = give_photo(owner, image_bytes(fmt, mode=mode, color=color))
    with Image.open(media / photos.photo_name(token, 96)) as result:
        assert result.format == "WEBP"
        assert result.size == (96, 96)
        assert result.mode == "RGB"


def test_sixteen_bit_grey_is_not_washed_out(owner, media):
    token = give_photo(owner, image_bytes("PNG", mode="I;16", color=32768))
    with Image.open(media / photos.photo_name(token, 96)) as result:
        assert 100 < result.convert("L").getpixel((48, 48)) < 160


def test_file_names_are_random_and_say_nothing_about_the_member(owner, media):
    first = give_photo(owner)
    other = give_photo(MemberFactory())
    assert first != other
    for name in stored_files(media):
        assert NAME_RE.fullmatch(name), name
        assert "dana" not in name and "owner" not in name


# --- What is refused ------------------------------------------------------------------------


def png_claiming(width: int, height: int) -> bytes:
    """A few dozen bytes whose header claims a width × height RGB image."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("dimensions", [(20000, 20000), (9000, 9000), (12001, 200)])
def test_dimension_bomb_is_refused_before_decoding(
    owner, member_client, media, monkeypatch, dimensions
):
    decoded = []
    real_load = ImageFile.ImageFile.load
    monkeypatch.setattr(
        ImageFile.ImageFile, "load", lambda self: decoded.append(self.size) or real_load(self)
    )
    member_client.force_login(owner)
    response = post_photo(member_client, png_claiming(*dimensions), "bomb.png", "image/png")
    assert "more than we can take" in error_of(response)
    assert decoded == []  # not a pixel was decoded, so nothing that size was allocated
    assert stored_files(media) == []


def test_tiny_image_is_refused(owner, client):
    client.force_login(owner)
    response = post_photo(client, image_bytes("PNG", size=(50, 80)), "tiny.png", "image/png")
    assert "at least 96 × 96" in error_of(response)


@pytest.mark.parametrize(
    ("data", "name", "content_type", "message"),
    [
        (
            image_bytes("GIF", mode="P", color=1),
            "photo.gif",
            "image/gif",
            "not a JPEG, PNG or WebP",
        ),
        (b"Dear colleagues,\nthis is not a picture.\n", "photo.jpg", "image/jpeg", "not a JPEG"),
        (image_bytes("BMP"), "photo.png", "image/png", "not a JPEG, PNG or WebP"),
        (image_bytes(size=(600, 600))[:1500], "cut.jpg", "image/jpeg", "damaged or incomplete"),
        (
            image_bytes("PNG", size=(600, 600))[:-40],
            "cut.png",
            "image/png",
            "damaged or incomplete",
        ),
        (png_claiming(500, 500), "liar.png", "image/png", "damaged or incomplete"),
        (b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8, "noise.jpg", "image/jpeg", "not a JPEG"),
        (b"", "empty.jpg", "image/jpeg", "This file is empty"),
    ],
    ids=["gif", "text", "bmp", "truncated-jpeg", "truncated-png", "no-pixels", "noise", "zero"],
)
def test_bad_files_are_refused_with_a_message(
    owner, client, media, data, name, content_type, message
):
    client.force_login(owner)
    response = post_photo(client, data, name, content_type)
    error = error_of(response)
    assert message in error
    assert 'aria-invalid="true"' in response.content.decode()
    owner.profile.refresh_from_db()
    assert owner.profile.photo_token == ""
    assert stored_files(media) == []


def test_over_five_megabytes_is_refused(owner, client, media):
    client.force_login(owner)
    data = image_bytes(size=(200, 200)) + b"\x00" * (photos.MAX_UPLOAD_BYTES + 1)
    assert "a photo can be at most 5.0\xa0MB" in error_of(post_photo(client, data))
    assert stored_files(media) == []


def test_no_file_chosen(owner, client):
    client.force_login(owner)
    response = client.post(reverse("members:photo_upload"), {})
    assert "Please choose a photo" in error_of(response)


def test_refused_upload_keeps_the_profile_form_as_saved(owner, client):
    Profile.objects.filter(user=owner).update(headline="Saved headline")
    client.force_login(owner)
    response = post_photo(client, b"not an image")
    html = response.content.decode()
    assert "Saved headline" in html
    assert response.context["form"].instance.headline == "Saved headline"
    assert html.index("not a JPEG") < html.index("Save profile")  # beside the photo field


# --- Upload, replace, remove through the page -----------------------------------------------


def test_upload_replace_and_remove_delete_old_files(
    owner, client, media, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_photo(client, image_bytes())
    assert response.status_code == 302 and response.url == reverse("members:profile_edit")
    owner.profile.refresh_from_db()
    first = owner.profile.photo_token
    assert stored_files(media) == [photos.photo_name(first, 400), photos.photo_name(first, 96)]

    with django_capture_on_commit_callbacks(execute=True):
        post_photo(client, image_bytes("PNG", color=BLUE), "new.png", "image/png")
    owner.profile.refresh_from_db()
    second = owner.profile.photo_token
    assert second and second != first
    assert stored_files(media) == [photos.photo_name(second, 400), photos.photo_name(second, 96)]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("members:photo_remove"))
    assert response.status_code == 302
    owner.profile.refresh_from_db()
    assert owner.profile.photo_token == ""
    assert stored_files(media) == []


def test_files_stay_until_the_change_is_committed(owner, media):
    first = give_photo(owner)
    give_photo(owner)  # the test's transaction never commits
    assert photos.photo_name(first, 400) in stored_files(media)


def test_new_files_go_when_saving_fails(owner, media, monkeypatch):
    def broken_save(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(Profile, "save", broken_save)
    with pytest.raises(RuntimeError):
        give_photo(owner)
    assert stored_files(media) == []


def test_remove_without_a_photo_is_harmless(owner, client):
    client.force_login(owner)
    assert client.post(reverse("members:photo_remove")).status_code == 302


@pytest.mark.parametrize("name", ["photo_upload", "photo_remove"])
def test_writes_refuse_get(owner, client, name):
    client.force_login(owner)
    assert client.get(reverse(f"members:{name}")).status_code == 405


@pytest.mark.parametrize("name", ["photo_upload", "photo_remove"])
def test_writes_need_the_csrf_token(owner, name, media):
    give_photo(owner)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(owner)
    data = {"photo": upload(image_bytes())} if name == "photo_upload" else {}
    assert strict.post(reverse(f"members:{name}"), data).status_code == 403
    owner.profile.refresh_from_db()
    assert owner.profile.photo_token


@pytest.mark.parametrize("name", ["photo_upload", "photo_remove"])
def test_writes_are_for_members(client, name):
    response = client.post(reverse(f"members:{name}"))
    assert response.status_code == 302 and reverse("account_login") in response.url
    client.force_login(ApplicantFactory())
    assert client.post(reverse(f"members:{name}")).url == reverse("members:status")


# --- Who may fetch a photo ------------------------------------------------------------------


@pytest.fixture
def viewers(owner):
    connection = MemberFactory()
    services.connection_accept(
        connection=services.connection_request(sender=connection, recipient=owner), user=owner
    )
    blocked_by_owner = MemberFactory()
    services.block_create(blocker=owner, blocked=blocked_by_owner)
    blocker_of_owner = MemberFactory()
    services.block_create(blocker=blocker_of_owner, blocked=owner)
    return {
        "self": owner,
        "member": MemberFactory(),
        "connection": connection,
        "staff": StaffFactory(),
        "blocked_by_owner": blocked_by_owner,
        "blocked_owner": blocker_of_owner,
        "applicant": ApplicantFactory(),
        "lapsed": MemberFactory(membership_status=User.Status.LAPSED),
        "visitor": None,
    }


ALLOWED = {"self", "member", "connection", "staff"}


@pytest.mark.parametrize(
    "who",
    [
        "self",
        "member",
        "connection",
        "staff",
        "blocked_by_owner",
        "blocked_owner",
        "applicant",
        "lapsed",
        "visitor",
    ],
)
@pytest.mark.parametrize("size", photos.SIZES)
def test_photo_access_matrix(client, owner, viewers, who, size):
    token = give_photo(owner)
    if viewers[who] is not None:
        client.force_login(viewers[who])
    response = client.get(photo_url(token=token, size=size))
    if who in ALLOWED:
        assert response.status_code == 200
        assert response["Content-Type"] == "image/webp"
        with Image.open(io.BytesIO(b"".join(response.streaming_content))) as served:
            assert served.size == (size, size)
    else:
        assert response.status_code == 404


def test_photo_of_a_member_not_in_good_standing_is_404(client, owner):
    token = give_photo(owner)
    User.objects.filter(pk=owner.pk).update(membership_status=User.Status.SUSPENDED)
    client.force_login(MemberFactory())
    assert client.get(photo_url(token=token)).status_code == 404


@pytest.mark.parametrize(
    "change", ["wrong-token", "wrong-size", "no-photo", "unknown-handle", "old-token"]
)
def test_photo_urls_that_are_not_the_photo_are_404(client, owner, change):
    token = give_photo(owner)
    client.force_login(MemberFactory())
    target = {
        "wrong-token": photo_url(token="0" * 32),
        "wrong-size": photo_url(token=token, size=200),
        "unknown-handle": photo_url(handle="nobody-here", token=token),
    }.get(change)
    if change == "no-photo":
        photos.profile_photo_remove(profile=owner.profile)
        target = photo_url(token=token)
    if change == "old-token":
        give_photo(owner)
        target = photo_url(token=token)
    assert client.get(target).status_code == 404


def test_photo_is_served_privately_with_long_caching_and_etag(client, owner):
    token = give_photo(owner)
    client.force_login(MemberFactory())
    response = client.get(photo_url(token=token))
    cache_control = response["Cache-Control"]
    assert "private" in cache_control and "max-age=31536000" in cache_control
    assert "public" not in cache_control
    assert response["ETag"] == f'"{token}-96"'
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    again = client.get(photo_url(token=token), headers={"if-none-match": response["ETag"]})
    assert again.status_code == 304


def test_etag_does_not_skip_the_access_check(client, owner):
    token = give_photo(owner)
    blocked = MemberFactory()
    services.block_create(blocker=owner, blocked=blocked)
    client.force_login(blocked)
    response = client.get(photo_url(token=token), headers={"if-none-match": f'"{token}-96"'})
    assert response.status_code == 404


def test_photo_refuses_post(client, owner):
    token = give_photo(owner)
    client.force_login(MemberFactory())
    assert client.post(photo_url(token=token)).status_code == 405


def test_old_handle_redirects_to_the_photo(client, owner):
    token = give_photo(owner)
    services.profile_change_handle(profile=owner.profile, new_handle="dana-new")
    client.force_login(MemberFactory())
    response = client.get(photo_url(token=token))
    assert response.status_code == 302
    assert response.url == photo_url(handle="dana-new", token=token)


def test_photos_are_not_public_media(client, owner, media, settings):
    token = give_photo(owner)
    client.force_login(owner)
    name = photos.photo_name(token, 400)
    assert (media / name).exists()
    assert client.get(settings.MEDIA_URL + name).status_code == 404


# --- Where photos show ----------------------------------------------------------------------


def test_profile_page_shows_photo_or_initials(client, owner):
    client.force_login(MemberFactory())
    html = client.get(reverse("members:profile", args=["dana-owner"])).content.decode()
    assert 'avatar-initials" aria-hidden="true">DO</span>' in html
    token = give_photo(owner)
    html = client.get(reverse("members:profile", args=["dana-owner"])).content.decode()
    assert photo_url(token=token, size=400) in html


def test_photo_shows_even_with_every_group_hidden(client, owner):
    token = give_photo(owner)
    Profile.objects.filter(user=owner).update(
        **{
            f"{group}_visibility": "only_me"
            for group in ("about", "practice", "location", "credentials")
        }
    )
    client.force_login(MemberFactory())
    html = client.get(reverse("members:profile", args=["dana-owner"])).content.decode()
    assert photo_url(token=token, size=400) in html


def test_directory_card_shows_thumbnail(client, owner):
    token = give_photo(owner)
    MemberFactory(profile__display_name="Noor Photoless")
    client.force_login(MemberFactory())
    html = client.get(reverse("members:directory")).content.decode()
    assert photo_url(token=token, size=96) in html
    assert 'avatar-initials" aria-hidden="true">NP</span>' in html


def test_edit_page_and_privacy_previews_show_photo(client, owner):
    client.force_login(owner)
    html = client.get(reverse("members:profile_edit")).content.decode()
    assert "No photo yet" in html
    assert reverse("members:photo_remove") not in html
    assert 'enctype="multipart/form-data"' in html
    token = give_photo(owner)
    html = client.get(reverse("members:profile_edit")).content.decode()
    assert photo_url(token=token, size=400) in html
    assert reverse("members:photo_remove") in html
    html = client.get(reverse("members:privacy")).content.decode()
    assert html.count(photo_url(token=token, size=400)) == 2  # as a member, as a connection
