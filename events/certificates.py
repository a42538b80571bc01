"""The CE certificate of attendance as a PDF (fpdf2, pure Python).

It says what a licensing board asks for: who (name, license type and number), what
(event, date, CE hours, approving body, organizer) and how to check it (the
verification code and the address of /certificates/<code>/, which shows the same facts).
"""

from __future__ import annotations

import unicodedata

from django.urls import reverse
from fpdf import FPDF

from events.models import Certificate
from hive.http import absolute_url


def _latin1(text: str) -> str:
    """fpdf2's built-in fonts cover Latin-1 only: keep what fits, decompose accents
    that do not ("Đ" → "D"), and show anything else as "?" rather than fail."""
    out = []
    for char in text:
        try:
            char.encode("latin-1")
            out.append(char)
        except UnicodeEncodeError:
            bare = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1")
            out.append(bare or "?")
    return "".join(out)


def _us_date(day) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def certificate_facts(certificate: Certificate) -> list[tuple[str, str]]:
    """The facts on a certificate, in order: the PDF and the public check show these."""
    license_text = " ".join(
        part
        for part in (
            certificate.license_type,
            certificate.license_number,
            f"({certificate.license_jurisdiction})" if certificate.license_jurisdiction else "",
        )
        if part
    )
    hours = f"{certificate.ce_hours.normalize():f}"
    return [
        ("Attendee", certificate.member_name),
        ("License", license_text or "Not given"),
        ("Event", certificate.event_title),
        ("Date", _us_date(certificate.event_date)),
        ("CE hours", hours),
        ("Approving body", certificate.approving_body),
        ("Organizer", certificate.organizer_name),
        ("Verification code", certificate.code),
    ]


def certificate_pdf(certificate: Certificate) -> bytes:
    pdf = FPDF(orientation="landscape", format="letter")
    pdf.set_title(_latin1(f"Certificate of attendance {certificate.code}"))
    pdf.set_author("Hive")
    pdf.set_creation_date(certificate.issued_at)
    pdf.add_page()
    pdf.set_auto_page_break(auto=False)
    pdf.set_draw_color(31, 92, 85)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.set_y(24)
    pdf.set_font("Helvetica", "B", 26)
    pdf.cell(0, 14, "Certificate of Attendance", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 13)
    pdf.cell(
        0, 8, "Continuing education, issued through Hive", align="C", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.ln(8)
    for label, value in certificate_facts(certificate):
        pdf.set_x(40)
        pdf.set_font("Helvetica", "B", 12)
        pdf.cell(55, 9, _latin1(label))
        pdf.set_font("Helvetica", "", 12)
        pdf.multi_cell(pdf.w - 120, 9, _latin1(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("Helvetica", "", 10)
    check = absolute_url(reverse("events:certificate_check", args=[certificate.code]))
    pdf.set_x(40)
    pdf.multi_cell(
        pdf.w - 80,
        6,
        _latin1(f"To check that this certificate is genuine, open {check}"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())
