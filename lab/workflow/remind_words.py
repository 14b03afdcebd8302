"""The words of a reminder to a team (`lab remind`): Bahasa Indonesia by default, English for lang = "en".

Plain text only: a unit's name or a facilitator's note goes in as text (controls shown as escapes), never as
markup or template code; the subject carries none of the team's text.
"""

from __future__ import annotations

import datetime as dt

from lab.domain.text import visible

MONTHS = {
    "id": ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
           "November", "Desember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}  # fmt: skip

WORDS = {
    "id": {
        "subject_due": "Pengingat {cohort}: lembar kerja {title} — tenggat {date}",
        "subject_returned": "{cohort}: lembar kerja {title} dikembalikan untuk diperbaiki",
        "greeting": "Yth. Tim Inovasi {unit},",
        "before": "Lembar kerja {title} tim Anda jatuh tempo {days} hari lagi, pada {date}.",
        "on": "Hari ini, {date}, adalah tenggat lembar kerja {title} tim Anda.",
        "after": "Lembar kerja {title} tim Anda telah melewati tenggat {date} ({days} hari).",
        "returned": "Fasilitator mengembalikan lembar kerja {title} tim Anda untuk diperbaiki.",
        "note": "Catatan fasilitator: {note}",
        "worksheet": "Lembar kerja: {number}. {title}{owner}",
        "due": "Tenggat: {date}",
        "do_waiting": "Mohon lengkapi lembar kerja tersebut dan simpan melalui tautan di bawah ini.",
        "do_late": "Mohon segera lengkapi lembar kerja tersebut dan simpan melalui tautan di bawah ini.",
        "do_invalid": "Lembar kerja sudah diisi, tetapi masih ada bagian yang perlu diperbaiki; bagian tersebut "
        "ditandai pada halaman lembar kerja.",
        "do_returned": "Mohon perbaiki lembar kerja sesuai catatan fasilitator, lalu simpan kembali.",
        "link": "Buka lembar kerja melalui tautan pribadi tim Anda:",
        "private": "Tautan ini khusus untuk tim Anda; mohon tidak dibagikan kepada pihak lain.",
        "closing": "Hormat kami,",
        "sender": "Fasilitator {lab}",
        "proposal": " (usulan {code})",
    },
    "en": {
        "subject_due": "Reminder {cohort}: worksheet {title} — due {date}",
        "subject_returned": "{cohort}: worksheet {title} returned for changes",
        "greeting": "Dear {unit} innovation team,",
        "before": "Your team's worksheet {title} is due in {days} day(s), on {date}.",
        "on": "Today, {date}, is the due date of your team's worksheet {title}.",
        "after": "Your team's worksheet {title} is past its due date of {date} ({days} day(s)).",
        "returned": "The facilitator returned your team's worksheet {title} for changes.",
        "note": "Facilitator's note: {note}",
        "worksheet": "Worksheet: {number}. {title}{owner}",
        "due": "Due: {date}",
        "do_waiting": "Please fill in the worksheet and save it through the link below.",
        "do_late": "Please fill in the worksheet and save it through the link below as soon as possible.",
        "do_invalid": "The worksheet is filled in, but some parts still need fixing; the worksheet's page marks "
        "them.",
        "do_returned": "Please change the worksheet as the facilitator's note asks, then save it again.",
        "link": "Open the worksheet through your team's personal link:",
        "private": "This link is for your team only; please do not share it.",
        "closing": "Kind regards,",
        "sender": "The facilitators of {lab}",
        "proposal": " (proposal {code})",
    },
}


def spoken_date(day: dt.date, lang: str) -> str:
    """`2 September 2026` (the month in the cohort's language)."""
    return f"{day.day} {MONTHS['en' if lang == 'en' else 'id'][day.month - 1]} {day.year}"


def compose(
    lang: str,
    *,
    rule: str,
    cohort: str,
    lab: str,
    unit: str,
    stage_number: int,
    stage_title: str,
    proposal: str | None,
    status: str,
    due: dt.date | None,
    days: int,
    note: str,
    url: str,
) -> tuple[str, str]:
    """The subject and body of one reminder. `rule` is before, on, after or returned; `days` is the days
    left (before) or late (after)."""
    w = WORDS["en" if lang == "en" else "id"]
    date = spoken_date(due, lang) if due else ""
    if rule == "returned":
        subject = w["subject_returned"].format(cohort=cohort, title=stage_title)
    else:
        subject = w["subject_due"].format(cohort=cohort, title=stage_title, date=date)
    lines = [w["greeting"].format(unit=visible(" ".join(unit.split()))), ""]
    lines.append(w[rule].format(title=stage_title, date=date, days=days))
    if rule == "returned" and note.strip():
        lines.append(w["note"].format(note=visible(" ".join(note.split()))))
    owner = w["proposal"].format(code=proposal) if proposal else ""
    lines += ["", w["worksheet"].format(number=stage_number, title=stage_title, owner=owner)]
    if due:
        lines.append(w["due"].format(date=date))
    todo = "returned" if status == "returned" else "invalid" if status == "invalid" else None
    lines += ["", w[f"do_{todo}"] if todo else w["do_late" if rule == "after" else "do_waiting"]]
    lines += ["", w["link"], url, w["private"], "", w["closing"], w["sender"].format(lab=visible(lab))]
    return subject, "\n".join(lines) + "\n"
