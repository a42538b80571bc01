"""Profile photos: checking an upload, making the stored images, keeping the files.

An upload is trusted for nothing: not its name, not its content type. Pillow opens it,
limited to the formats we accept, and the pixel dimensions are checked from the header
*before* any pixel is decoded, so a small file claiming to be enormous costs nothing.
What is stored is new pixels only: orientation applied, colours converted to sRGB,
cropped square from the centre and written afresh as WebP, so no EXIF (camera, GPS
position, time), XMP, ICC profile or comment from the upload survives.

Files live in the default storage under a random token (no handle or id in the name,
so a name says nothing about whose photo it is). Photos are member-only data and are
never served as public media: members/views/photos.py serves them through the profile
access rule. The token also versions the URL, so browsers may cache a photo for long.
"""

from __future__ import annotations

import io
import logging
import secrets
from dataclasses import dataclass
from functools import partial

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from PIL import Image, ImageCms, ImageOps

from members.models import Profile

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# Larger than any camera a member is likely to use at a 5 MB file size, small enough
# that decoding one stays well within a web process's memory.
MAX_PIXELS = 50_000_000
MAX_SIDE = 12_000
# Below this the thumbnail would have to be blown up from almost nothing.
MIN_SIDE = 96

LARGE, SMALL = 400, 96
SIZES = (LARGE, SMALL)
CONTENT_TYPE = "image/webp"
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
FOLDER = "profile-photos"

# The messages a member may see, next to the photo field.
NOT_AN_IMAGE = (
    "This file is not a JPEG, PNG or WebP image. Please choose a photo in one of those formats."
)
DAMAGED = "This image could not be read: the file may be damaged or incomplete. Please try another."


@dataclass(frozen=True)
class PreparedPhoto:
    """The encoded images to store, by size in pixels (each is size × size)."""

    images: dict[int, bytes]


def photo_name(token: str, size: int) -> str:
    """Where the image of `size` pixels for the photo `token` is kept in storage."""
    return f"{FOLDER}/{token}-{size}.webp"


def photo_prepare(upload) -> PreparedPhoto:
    """Check an uploaded file and make the stored images from it.

    Raises ValidationError with a message for the member when the file is too big,
    not a JPEG, PNG or WebP image, damaged, or of absurd dimensions. Never anything
    else: hostile bytes must not become a server error.
    """
    size = getattr(upload, "size", None) or 0
    if size == 0:
        raise ValidationError("This file is empty. Please choose a photo.", code="empty")
    if size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            f"This file is {filesizeformat(size)}; a photo can be at most "
            f"{filesizeformat(MAX_UPLOAD_BYTES)}. Please choose a smaller one.",
            code="too_big",
        )
    upload.seek(0)
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:  # the reported size was wrong
        raise ValidationError(
            f"A photo can be at most {filesizeformat(MAX_UPLOAD_BYTES)}.", code="too_big"
        )
    source = _open_checked(data)
    try:
        square = _square(_decoded(source), LARGE)
        images = {LARGE: _encode(square)}
        images[SMALL] = _encode(square.resize((SMALL, SMALL), Image.Resampling.LANCZOS))
    except Exception as error:
        # Pillow's decoders answer hostile or truncated input with many exception
        # types (OSError, SyntaxError, ValueError, struct.error, EOFError, …); for the
        # member they all mean the same thing, and none may become a 500.
        logger.info("Rejected a profile photo that failed to decode: %r", error)
        raise ValidationError(DAMAGED, code="damaged") from error
    return PreparedPhoto(images=images)


def _open_checked(data: bytes) -> Image.Image:
    """The image, opened (header only) and checked: format, integrity, dimensions."""
    try:
        # Opening reads the header only: the format and the dimensions.
        with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as probe:
            _check_dimensions(*probe.size)
            probe.verify()  # structural checks (PNG checksums, …), still no pixels
        # verify() leaves the image unusable: open it afresh for decoding.
        return Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except ValidationError:
        raise
    except Image.DecompressionBombError as error:
        # Pillow's own, higher limit, met while opening: our answer, without the size.
        raise ValidationError(_too_large_message(), code="too_large_dimensions") from error
    except Image.UnidentifiedImageError as error:
        raise ValidationError(NOT_AN_IMAGE, code="not_an_image") from error
    except Exception as error:  # a damaged header: see photo_prepare
        logger.info("Rejected a profile photo that failed to open: %r", error)
        raise ValidationError(DAMAGED, code="damaged") from error


def _check_dimensions(width: int, height: int) -> None:
    if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
        raise ValidationError(_too_large_message(width, height), code="too_large_dimensions")
    if min(width, height) < MIN_SIDE:
        raise ValidationError(
            f"This image is only {width} × {height} pixels; a photo needs at least "
            f"{MIN_SIDE} × {MIN_SIDE}. Please choose a larger one.",
            code="too_small",
        )


def _too_large_message(width: int | None = None, height: int | None = None) -> str:
    what = f"{width} × {height} pixels" if width else "too many pixels"
    return (
        f"This image is {what}, more than we can take ({MAX_PIXELS // 1_000_000} megapixels, "
        f"{MAX_SIDE} pixels a side at most). Please choose a smaller one."
    )


def _decoded(image: Image.Image) -> Image.Image:
    """Decode the pixels upright, in sRGB, as RGB or (when it is used) RGBA."""
    if image.format == "JPEG":
        # Let the JPEG decoder scale down by up to 8× while decoding: a big camera
        # photo then needs a fraction of the memory and time. Never below 2× the size
        # we keep, so quality is unaffected.
        image.draft(image.mode, (LARGE * 2, LARGE * 2))
    image.load()  # of an animated WebP or PNG, the first frame: that is the photo
    icc_profile = image.info.get("icc_profile")
    try:
        # Phones write the way up in EXIF instead of turning the pixels.
        image = ImageOps.exif_transpose(image)
    except Exception:  # an unreadable EXIF block: keep the pixels as they are
        logger.info("Ignored unreadable EXIF orientation in a profile photo")
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        # 16-bit and float greyscale would clip to white when converted directly.
        image = image.convert("F").point(lambda value: value / 256).convert("L")
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info
    mode = "RGBA" if has_alpha else "RGB"
    image = _to_srgb(image, icc_profile, mode) if icc_profile else image.convert(mode)
    if mode == "RGBA" and image.getchannel("A").getextrema() == (255, 255):
        image = image.convert("RGB")  # an alpha channel nobody uses only costs bytes
    return image


def _to_srgb(image: Image.Image, icc_profile: bytes, mode: str) -> Image.Image:
    # Dropping an embedded colour profile (Display P3 from phones, Adobe RGB, CMYK)
    # without converting would leave the colours dull or wrong: convert, then drop it.
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        if image.mode not in ("RGB", "RGBA", "CMYK", "L"):
            image = image.convert(mode)
        output_mode = "RGBA" if image.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(
            image, source, ImageCms.createProfile("sRGB"), outputMode=output_mode
        )
        return converted.convert(mode)
    except Exception:  # an unusable profile: keep the pixel values as they are
        logger.info("Ignored an unusable ICC profile in a profile photo")
        return image.convert(mode)


def _square(image: Image.Image, size: int) -> Image.Image:
    """The largest centred square of `image`, resized to size × size."""
    return ImageOps.fit(image, (size, size), Image.Resampling.LANCZOS, centering=(0.5, 0.5))


def _encode(image: Image.Image) -> bytes:
    # A new image made of the pixel values alone: `info` (EXIF, XMP, ICC, comments)
    # cannot travel with it, whatever the encoder would otherwise copy across.
    clean = Image.frombytes(image.mode, image.size, image.tobytes())
    buffer = io.BytesIO()
    clean.save(buffer, format="WEBP", quality=82, method=4)
    return buffer.getvalue()


# --- Storing and removing -------------------------------------------------------------------


def _write(token: str, photo: PreparedPhoto) -> None:
    for size, data in photo.images.items():
        default_storage.save(photo_name(token, size), ContentFile(data))


def _delete(token: str) -> None:
    for size in SIZES:
        default_storage.delete(photo_name(token, size))


def profile_photo_set(*, profile: Profile, photo: PreparedPhoto) -> Profile:
    """Give `profile` a new photo. The files of the old one are deleted once the change
    is committed; if saving fails, the new files are deleted instead."""
    token = secrets.token_hex(16)
    _write(token, photo)
    try:
        with transaction.atomic():
            old_token = _lock_token(profile)
            # No full_clean(): the only value written is a token made here, and a
            # stale problem elsewhere in the profile must not block a new photo.
            profile.photo_token = token
            profile.save(update_fields=["photo_token", "updated_at"])
            if old_token:
                transaction.on_commit(partial(_delete, old_token))
    except BaseException:
        _delete(token)
        raise
    return profile


@transaction.atomic
def profile_photo_remove(*, profile: Profile) -> Profile:
    """Remove `profile`'s photo, its files once the change is committed."""
    old_token = _lock_token(profile)
    if old_token:
        profile.photo_token = ""
        profile.save(update_fields=["photo_token", "updated_at"])
        transaction.on_commit(partial(_delete, old_token))
    else:
        profile.photo_token = ""
    return profile


def _lock_token(profile: Profile) -> str:
    # The token as stored, under a row lock: two uploads at once must not both think
    # the same old files are theirs to delete, nor leave one new pair orphaned.
    return (
        Profile.objects.select_for_update().values_list("photo_token", flat=True).get(pk=profile.pk)
    )


# --- In pages ---------------------------------------------------------------------------


def initials(name: str) -> str:
    """Up to two capital letters for a name: "Dana M. Owner" → "DO"."""
    words = [word for word in name.split() if word[:1].isalnum()]
    if not words:
        return "?"
    letters = words[0][0] + (words[-1][0] if len(words) > 1 else "")
    return letters.upper()


def photo_html(profile, size: int = SMALL, css_class: str = "", alt: str = "") -> SafeString:
    """The profile's photo at `size` (400 or 96 pixels; CSS sets the size shown), or its
    initials in a circle when there is none.

    The photo belongs to no privacy group: whoever may see the person sees it, so this
    takes the profile itself. The alt text is empty by default because the name is
    always printed beside it; a placeholder is hidden from screen readers for the same
    reason. Runs no query.
    """
    classes = f"avatar avatar-{size} {css_class}".strip()
    if not profile.photo_token:
        return format_html(
            '<span class="{} avatar-initials" aria-hidden="true">{}</span>',
            classes,
            initials(profile.display_name or profile.handle),
        )
    url = reverse("members:photo", args=[profile.handle, profile.photo_token, size])
    return format_html(
        '<img src="{}" class="{}" width="{}" height="{}" alt="{}" decoding="async"{}>',
        url,
        classes,
        size,
        size,
        alt,
        # Thumbnails come in lists (below the fold); a large photo heads its page.
        SafeString(' loading="lazy"') if size == SMALL else "",
    )
