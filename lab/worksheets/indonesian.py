"""Answers written the Indonesian way, read into the one form the schema stores: dates, amounts, percentages.

The worksheet reader (lab.worksheets.markdown) passes a date, number or percentage field's text through here
before the schema sees it, so the schema (and its JSON Schema) keeps one canonical form — `2026-03-10`, `15000000`,
`85.5` — and what is stored and exported is that form whichever way the team wrote it:

- dates: `2026-03-10` (also `2026-3-10`), `10 Maret 2026`, `10 Mar 2026`, `10 March 2026`, `Selasa, 10 Maret 2026`,
  `10/03/2026`, `10-03-2026`, `10.03.2026` (day first, as Indonesians write it);
- numbers and amounts: `15000000`, `Rp 15.000.000`, `Rp15.000.000,-`, `15.000.000,50`, `15 juta`, `1,5 miliar`,
  `2 rb`, also the English `1,500,000.50`;
- percentages (a Percent field): `85%`, `85 %`, `85,5%`.

What cannot be read one way only raises `Unclear` with an example in the expected form (`03/04/26`: which
century; `1.500` in a field that takes fractions: one and a half, or fifteen hundred). Anything else not read
here is passed on as written, and the schema says what is wrong with it.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

MONTHS = {
    "januari": 1, "jan": 1, "january": 1, "februari": 2, "feb": 2, "pebruari": 2, "february": 2,
    "maret": 3, "mar": 3, "march": 3, "april": 4, "apr": 4, "mei": 5, "may": 5, "juni": 6, "jun": 6,
    "june": 6, "juli": 7, "jul": 7, "july": 7, "agustus": 8, "agu": 8, "agt": 8, "ags": 8, "aug": 8,
    "august": 8, "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "oct": 10, "october": 10,
    "november": 11, "nov": 11, "nop": 11, "desember": 12, "des": 12, "dec": 12, "december": 12,
}  # fmt: skip
MONTH_NAMES = {
    "id": ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
           "November", "Desember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}  # fmt: skip
DAYS = r"(?:senin|selasa|rabu|kamis|jumat|jum'at|sabtu|minggu|ahad|monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
SCALES = {"ribu": 3, "rb": 3, "ribuan": 3, "juta": 6, "jt": 6, "miliar": 9, "milyar": 9, "triliun": 12}
MAX_TEXT = 60  # longer than any date or amount written by hand: passed on as written

_ISO = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_NAMED = re.compile(rf"(?:{DAYS},?\s+)?([0-9]{{1,2}})\s+([a-z]+)\.?,?\s+([0-9]{{4}})", re.IGNORECASE)
_NUMERIC = re.compile(r"([0-9]{1,2})([/.-])([0-9]{1,2})\2([0-9]{2}|[0-9]{4})")
_AMOUNT = re.compile(
    r"(?:rp\.?\s*)?(-?[0-9][0-9.,]*?)(?:,-|,00|\.-)?\s*(ribu|rb|ribuan|juta|jt|miliar|milyar|triliun)?\.?",
    re.IGNORECASE,
)


class Unclear(ValueError):
    """An answer that can be read more than one way: a key of lab.worksheets.messages and its values."""

    def __init__(self, key: str, **params: str) -> None:
        super().__init__(key)
        self.key, self.params = key, params


def spoken_date(day: dt.date, lang: str) -> str:
    """`10 Maret 2026` / `10 March 2026`."""
    return f"{day.day} {MONTH_NAMES['en' if lang == 'en' else 'id'][day.month - 1]} {day.year}"


def _made(year: int, month: int, day: int) -> str | None:
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def read_date(text: str) -> str:
    """`text` as YYYY-MM-DD when it is a date written one of the accepted ways; else `text` unchanged.
    Unclear for a two-digit year."""
    value = " ".join(text.split())
    if len(value) > MAX_TEXT:
        return text
    if m := _ISO.fullmatch(value):
        return _made(int(m[1]), int(m[2]), int(m[3])) or text
    if m := _NAMED.fullmatch(value):
        month = MONTHS.get(m[2].lower())
        return (_made(int(m[3]), month, int(m[1])) if month else None) or text
    if m := _NUMERIC.fullmatch(value):
        day, month, year = int(m[1]), int(m[3]), m[4]
        if len(year) == 2:
            full = f"{m[1]}{m[2]}{m[3]}{m[2]}20{year}"
            iso = _made(2000 + int(year), month, day)
            raise Unclear("date_ambiguous", value=value, example=f"{full} ({iso})" if iso else full)
        return _made(int(year), month, day) or text
    return text


def read_number(text: str, whole: bool, percent: bool = False) -> str:
    """`text` as plain digits (`15000000`, `85.5`) when it is a number or amount written one of the accepted
    ways; else `text` unchanged. Unclear when the separators can be read two ways."""
    value = " ".join(text.split())
    if len(value) > MAX_TEXT or not value:
        return text
    if percent and value.endswith("%"):
        value = value[:-1].rstrip()
    m = _AMOUNT.fullmatch(value)
    if m is None:
        return text
    digits, scale = m[1], SCALES.get((m[2] or "").lower(), 0)
    number = _separators(digits, whole and not scale, value)
    if number is None:
        return text
    try:
        amount = Decimal(number).scaleb(scale)
    except InvalidOperation:
        return text
    return _plain(amount)


def _plain(amount: Decimal) -> str:
    """A Decimal as the schema reads it: no exponent, no trailing zeros after the point."""
    text = format(amount, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def _separators(digits: str, whole: bool, shown: str) -> str | None:
    """The digits with `.` as the decimal point; None when they are no number."""
    dots, commas = digits.count("."), digits.count(",")
    groups = r"-?[0-9]{1,3}(?:[.][0-9]{3})+"
    if dots and commas:  # both: the last one written is the decimal sign
        if digits.rfind(",") > digits.rfind("."):  # 15.000.000,50
            head, _, tail = digits.rpartition(",")
            return (
                head.replace(".", "") + "." + tail if re.fullmatch(groups, head) and tail.isdigit() else None
            )
        head, _, tail = digits.rpartition(".")  # 1,500,000.50
        ok = re.fullmatch(groups.replace("[.]", "[,]"), head) and tail.isdigit()
        return head.replace(",", "") + "." + tail if ok else None
    if dots > 1 or commas > 1:  # 1.500.000 or 1,500,000: thousands
        sep = "." if dots else ","
        return digits.replace(sep, "") if re.fullmatch(groups.replace("[.]", f"[{sep}]"), digits) else None
    if dots == 1 or commas == 1:
        sep = "." if dots else ","
        head, _, tail = digits.partition(sep)
        if not head.lstrip("-").isdigit() or not tail.isdigit():
            return None
        if len(tail) != 3 or head.lstrip("-") == "0":
            return f"{head}.{tail}"  # 1,5 or 2.75: a fraction
        grouped, fraction = head + tail, f"{head}.{tail}"
        if whole and sep == ".":
            return grouped  # 1.500 where only whole numbers go: fifteen hundred, as Indonesians write it
        raise Unclear("amount_ambiguous", value=shown, a=grouped, b=fraction.replace(".", ","),
                      example=grouped)  # fmt: skip
    return digits
