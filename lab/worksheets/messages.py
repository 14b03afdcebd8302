"""The words of every problem a worksheet can have, in the lab's two languages: one table, like lab/web/words.py.

A problem is said in the cohort's language when the worksheet is read (`say(lang, key, **params)`), and the
sentence is what the worksheet's record stores. Rendering at read time, not at display, was chosen because one
stored sentence is read by many places that must agree word for word (`lab status`, the run's artifact, the
team's home page, the form beside each field, the `.perbaikan.md` file beside the worksheet), some of which
only hold the stored rows; and a cohort's language is fixed when it is created, so a stored sentence never
speaks the wrong language. The field id a facilitator may want is stored beside the sentence (`field`).

A problem names the field by its label: `Tanggal penandatanganan komitmen: ...`; a record's field by its record
and number: `Ukuran ke-2 · Sesudah inovasi: ...` (English: `Measure 2 · After: ...`). `where()` builds that
name; the file's line is added by whoever shows the line (`line_prefix()`: `Baris 22 · ` / `Line 22 · `).

A stage's validator or check that needs its own sentence raises or returns a `Said` (a ValueError carrying a
key and its values): it reads in English where a plain text is needed (`str()`), and in the cohort's language
wherever a worksheet's problems are written.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from lab.worksheets.spec import FieldSpec, describe

DATE_FORM = {
    "id": "TTTT-BB-HH",
    "en": "YYYY-MM-DD",
}  # the one wording of a date's form, as the sheets' hints say

MESSAGES: dict[str, dict[str, str]] = {
    # ------------------------------------------------------------------ where
    "line": {"id": "Baris {n}", "en": "Line {n}"},
    "record": {"id": "{label} ke-{n}", "en": "{label} {n}"},
    "worksheet": {"id": "Lembar kerja", "en": "Worksheet"},
    # ------------------------------------------------------------------ reading the Markdown
    "heading_no_id": {
        "id": "judul '{heading}' tidak diakhiri penanda isian seperti {{#problem}}; kembalikan judul aslinya",
        "en": "heading '{heading}' has no field id like {{#problem}}; restore the original heading",
    },
    "unknown_field": {
        "id": "judul dengan penanda {{#{fid}}} tidak ada di lembar kerja ini; kembalikan judul aslinya",
        "en": "unknown field id {{#{fid}}}; restore the original heading",
    },
    "field_twice": {
        "id": "{where}: judul isian ini muncul dua kali (pertama di baris {first}); hapus salah satunya",
        "en": "{where}: this field's heading appears twice (first at line {first}); keep one",
    },
    "text_outside": {
        "id": "teks di luar isian; tulis jawaban di bawah judul isiannya",
        "en": "text outside any field; write answers under a field heading",
    },
    "field_missing": {
        "id": "{where}: judul isian ini hilang; kembalikan baris '{heading}'",
        "en": "{where}: this field's heading is missing; restore the line '{heading}'",
    },
    "list_bullets": {
        "id": "{where}: tulis setiap butir di baris sendiri, diawali '- '",
        "en": "{where}: write each item on its own line, starting with '- '",
    },
    "checklist": {
        "id": "{where}: centang pilihan dengan '- [x] …' dan biarkan baris lainnya seperti semula",
        "en": "{where}: tick options as '- [x] …' and keep the other lines as they are",
    },
    "unknown_option": {
        "id": "{where}: pilihan {{#{option}}} tidak dikenal; pilih dari: {choices}",
        "en": "{where}: unknown option {{#{option}}}; choose from: {choices}",
    },
    "tick_one": {
        "id": "{where}: centang satu pilihan saja ({n} tercentang)",
        "en": "{where}: tick only one option ({n} are ticked)",
    },
    "record_heading_first": {
        "id": "{where}: judul isian muncul sebelum judul butir pertama ('### …'); kembalikan judul butirnya",
        "en": "{where}: a field heading comes before the first record heading ('### …'); restore that heading",
    },
    "unknown_record_field": {
        "id": "{where}: judul dengan penanda {{#{fid}}} tidak ada dalam butir ini; kembalikan judul aslinya",
        "en": "{where}: unknown field id {{#{fid}}} in this record; restore the original heading",
    },
    "record_field_twice": {
        "id": "{where}: judul isian ini muncul dua kali dalam satu butir; hapus salah satunya",
        "en": "{where}: this field's heading appears twice in one record; keep one",
    },
    "text_outside_record": {
        "id": "{where}: teks di luar isian butir; tulis jawaban di bawah judul '#### …' isiannya",
        "en": "{where}: text outside a record's field; write answers under the field's '#### …' heading",
    },
    "record_field_missing": {
        "id": "{where}: judul isian ini hilang dari butir; kembalikan baris '{heading}'",
        "en": "{where}: this field's heading is missing from the record; restore the line '{heading}'",
    },
    # ------------------------------------------------------------------ Indonesian answers
    "date_ambiguous": {
        "id": '{where}: "{value}" bisa dibaca lebih dari satu cara; tulis tahunnya lengkap, misalnya {example}',
        "en": '{where}: "{value}" can be read more than one way; write the full year, e.g. {example}',
    },
    "amount_ambiguous": {
        "id": '{where}: "{value}" bisa berarti {a} atau {b}; tulis tanpa titik, misalnya {example}',
        "en": '{where}: "{value}" could mean {a} or {b}; write it without separators, e.g. {example}',
    },
    # ------------------------------------------------------------------ validation
    "required": {"id": "{where}: wajib diisi", "en": "{where}: required; please fill it in"},
    "date": {
        "id": '{where}: "{value}" belum terbaca sebagai tanggal; tulis {form}, misalnya {example}',
        "en": '{where}: "{value}" could not be read as a date; write {form}, e.g. {example}',
    },
    "date_guess": {
        "id": '{where}: "{value}" belum terbaca; tulis {example}',
        "en": '{where}: "{value}" could not be read; write {example}',
    },
    "number": {
        "id": '{where}: "{value}" belum terbaca sebagai angka; tulis angka, misalnya {example}',
        "en": '{where}: "{value}" could not be read as a number; write a number, e.g. {example}',
    },
    "whole_number": {
        "id": '{where}: "{value}" bukan bilangan bulat; tulis tanpa pecahan, misalnya {example}',
        "en": '{where}: "{value}" is not a whole number; write it without a fraction, e.g. {example}',
    },
    "at_least": {"id": "{where}: paling kecil {limit}", "en": "{where}: at least {limit}"},
    "at_most": {"id": "{where}: paling besar {limit}", "en": "{where}: at most {limit}"},
    "few_items": {
        "id": "{where}: isi paling sedikit {n} butir",
        "en": "{where}: give at least {n} item(s)",
    },
    "choice": {
        "id": "{where}: pilih salah satu pilihan yang tersedia",
        "en": "{where}: choose one of the options",
    },
    "single_line": {
        "id": "{where}: tulis dalam satu baris",
        "en": "{where}: write it on a single line",
    },
    "unstorable": {
        "id": "{where}: berisi karakter yang tidak dapat disimpan (U+{code}); hapus karakter itu",
        "en": "{where}: contains a character that cannot be stored (U+{code}); remove it",
    },
    "text_type": {"id": "{where}: harus berupa teks", "en": "{where}: must be text"},
    "list_type": {"id": "{where}: harus berupa daftar butir", "en": "{where}: must be a list of items"},
    "invalid": {"id": "{where}: isian tidak sah ({detail})", "en": "{where}: {detail}"},
    # ------------------------------------------------------------------ the stages' own rules
    "committed": {
        "id": "{where}: tim baru dapat melanjutkan setelah kepala unit menandatangani komitmen; centang Ya",
        "en": "{where}: the team can only continue once the unit head has committed; tick Yes",
    },
    "idea_problem": {
        "id": "{where}: ide ke-{n} ({title}) menjawab masalah nomor {problem}, padahal baru {count} masalah "
        "yang dituliskan",
        "en": "{where}: idea {n} ({title}) answers problem {problem}, but only {count} problem(s) are listed",
    },
    "idea_names": {
        "id": "{where}: dua ide memiliki nama yang sama; beri setiap ide namanya sendiri",
        "en": "{where}: two ideas have the same name; give each idea its own name",
    },
    "few_words": {
        "id": "{where}: baru {n} kata; paling sedikit {min} kata",
        "en": "{where}: has {n} words; at least {min} are required",
    },
    "many_words": {
        "id": "{where}: {n} kata; paling banyak {max} kata",
        "en": "{where}: has {n} words; at most {max} are allowed",
    },
    "one_paragraph": {
        "id": "{where}: tulis dalam satu paragraf (tanpa baris kosong)",
        "en": "{where}: must be one paragraph (no blank lines)",
    },
    "principles": {
        "id": "{where}: kedelapan prinsip wajib dipenuhi; belum dicentang: {missing}",
        "en": "{where}: all eight principles must be met; not ticked: {missing}",
    },
    "trial_order": {
        "id": "{where}: uji coba berakhir ({end}) sebelum dimulai ({start}); periksa kedua tanggalnya",
        "en": "{where}: the trial ends ({end}) before it starts ({start}); check both dates",
    },
    "https_link": {
        "id": "{where}: tulis satu tautan yang diawali https:// tanpa spasi, misalnya https://www.youtube.com/watch?v=...",
        "en": "{where}: must be one https:// link without spaces, e.g. https://www.youtube.com/watch?v=...",
    },
    "principle_twice": {
        "id": "{where}: ada prinsip yang tercantum dua kali; cantumkan setiap prinsip sekali",
        "en": "{where}: a principle is listed twice; list each principle once",
    },
    "evidence_inside": {
        "id": "{where}: tulis nama berkas di dalam folder evidence/ (tanpa '..' dan tanpa alamat lengkap)",
        "en": "{where}: must be a file inside the evidence/ folder (no '..' and no absolute path)",
    },
    "evidence_missing": {
        "id": "{where}: berkas '{file}' tidak ada di {folder}/; simpan berkasnya di sana atau perbaiki namanya",
        "en": "{where}: evidence file '{file}' is not in {folder}/; add the file or fix the name",
    },
    "evidence_big": {
        "id": "{where}: berkas '{file}' berukuran {size} MB; batasnya {limit} MB per berkas "
        "([evidence] max_file_mb di cohort.toml)",
        "en": "{where}: evidence file '{file}' is {size} MB; the limit is {limit} MB per file "
        "([evidence] max_file_mb in cohort.toml)",
    },
    "evidence_total": {
        "id": "{where}: dengan '{file}' bukti dukung usulan ini menjadi {size} MB; batasnya {limit} MB per usulan "
        "([evidence] max_proposal_mb di cohort.toml)",
        "en": "{where}: with '{file}' the evidence of this proposal is {size} MB; the limit is {limit} MB per "
        "proposal ([evidence] max_proposal_mb in cohort.toml)",
    },
    # ------------------------------------------------------------------ the file as a whole
    "file_size": {
        "id": "berkas berukuran {size} MB; lembar kerja paling besar {limit} MB",
        "en": "file is {size} MB; worksheets are limited to {limit} MB",
    },
    "not_utf8": {
        "id": "bukan teks UTF-8 (bita 0x{byte:02x}); simpan berkas sebagai UTF-8",
        "en": "not UTF-8 text (byte 0x{byte:02x}); save the file as UTF-8",
    },
    "file_missing": {
        "id": "berkas tidak ada; lembar kerja akan dibuat lagi",
        "en": "file is missing; it will be generated again",
    },
    "front_mismatch": {
        "id": "bagian depan berkas menyebut {name}: {found!r}, padahal berkas ini milik {name} {expected!r}; "
        "kembalikan bagian antara tanda '---' seperti semula",
        "en": "front matter says {name}: {found!r} but this file is for {name} {expected!r}",
    },
    "front_rebuilt": {
        "id": "bagian depan berkas (antara tanda '---') hilang atau rusak dan telah dipulihkan oleh sistem; "
        "jangan mengubah bagian itu",
        "en": "the front matter (between the '---' lines) was missing or damaged and has been rebuilt by the "
        "system; do not change it",
    },
    # ------------------------------------------------------------------ the front matter
    "fm_missing": {
        "id": "bagian depan berkas hilang: berkas harus diawali baris '---'",
        "en": "missing front matter: the file must start with a '---' line",
    },
    "fm_unclosed": {
        "id": "bagian depan berkas tidak ditutup dengan baris '---'",
        "en": "front matter is not closed by a '---' line",
    },
    "fm_lines": {
        "id": "bagian depan berkas lebih dari {max} baris (ditutup di baris {end}); sisakan baris 'kunci: nilai' "
        "saja, atau tambahkan baris penutup '---'",
        "en": "front matter is longer than {max} lines (it closes at line {end}); keep only its 'key: value' "
        "lines, or add the missing closing '---'",
    },
    "fm_bytes": {
        "id": "bagian depan berkas lebih dari {max} bita; sisakan baris 'kunci: nilai' yang pendek saja",
        "en": "front matter is longer than {max} bytes; keep only its short 'key: value' lines",
    },
    "fm_control": {
        "id": "bagian depan berkas berisi karakter kendali (U+{code:04X}); hapus karakter itu",
        "en": "front matter contains a control character (U+{code:04X}); remove it",
    },
    "fm_unreadable": {
        "id": "bagian depan berkas tidak terbaca; simpan berkas sebagai UTF-8",
        "en": "front matter is not readable text; save the file as UTF-8",
    },
    "fm_yaml": {
        "id": "bagian depan berkas bukan YAML yang sah: {problem}",
        "en": "front matter is not valid YAML: {problem}",
    },
    "fm_alias": {
        "id": "bagian depan berkas: alias seperti '*nama' tidak diizinkan; tulis nilainya langsung",
        "en": "front matter: aliases like '*name' are not allowed; write the value itself",
    },
    "fm_anchor": {
        "id": "bagian depan berkas: jangkar seperti '&nama' tidak diizinkan; tulis baris 'kunci: nilai' biasa",
        "en": "front matter: anchors like '&name' are not allowed; write plain 'key: value' lines",
    },
    "fm_tag": {
        "id": "bagian depan berkas: tag seperti '!!str' atau '!nama' tidak diizinkan; tulis baris 'kunci: nilai' "
        "biasa",
        "en": "front matter: tags like '!!str' or '!name' are not allowed; write plain 'key: value' lines",
    },
    "fm_directive": {
        "id": "bagian depan berkas: arahan YAML seperti '%YAML' tidak diizinkan; hapus baris itu",
        "en": "front matter: YAML directives like '%YAML' are not allowed; remove that line",
    },
    "fm_flat": {
        "id": "bagian depan berkas harus berupa baris 'kunci: nilai'",
        "en": "front matter must be 'key: value' lines",
    },
    "fm_key_kind": {
        "id": "kunci pada bagian depan berkas harus berupa nama, bukan daftar atau pemetaan",
        "en": "front matter keys must be plain names, not lists or mappings",
    },
    "fm_merge": {
        "id": "bagian depan berkas: kunci gabungan ('<<') tidak diizinkan; tulis setiap baris 'kunci: nilai'",
        "en": "front matter: merge keys ('<<') are not allowed; write each 'key: value' line out",
    },
    "fm_key_name": {
        "id": "kunci {shown!r} pada bagian depan berkas bukan nama; kunci terdiri atas huruf, angka, '_' atau "
        "'-', diawali huruf dan paling panjang {max} karakter",
        "en": "front matter key {shown!r} is not a name; keys are letters, digits, '_' or '-', start with a "
        "letter and have at most {max} characters",
    },
    "fm_twice": {
        "id": "bagian depan berkas: '{name}' muncul dua kali (pertama di baris {first}); sisakan satu baris "
        "'{name}:'",
        "en": "front matter: '{name}' appears twice (first at line {first}); keep one '{name}:' line",
    },
    "fm_not_plain": {
        "id": "bagian depan berkas: '{name}' harus satu nilai biasa, bukan daftar atau pemetaan; tulis "
        "'{name}: nilai'",
        "en": "front matter: '{name}' must be one plain value, not a list or mapping; write it as "
        "'{name}: value'",
    },
    "fm_multiline": {
        "id": "bagian depan berkas: nilai '{name}' lebih dari satu baris; tulis di baris '{name}:'",
        "en": "front matter: the value of '{name}' spans several lines; write it on the line of '{name}:'",
    },
    "fm_value_control": {
        "id": "bagian depan berkas: nilai '{name}' berisi karakter kendali (U+{code:04X}); hapus karakter itu",
        "en": "front matter: the value of '{name}' contains a control character (U+{code:04X}); remove it",
    },
    "fm_value_long": {
        "id": "bagian depan berkas: nilai '{name}' {n} karakter; paling banyak {max} karakter",
        "en": "front matter: the value of '{name}' is {n} characters; at most {max} are allowed",
    },
}


def _lang(lang: str | None) -> str:
    return "en" if lang == "en" else "id"


def say(lang: str | None, key: str, **params: Any) -> str:
    """The sentence `key` in `lang` (Bahasa Indonesia unless English), filled with `params`."""
    return MESSAGES[key][_lang(lang)].format(**params)


class Said(ValueError):
    """A problem with its own sentence (a key of MESSAGES and its values), raised by a stage's validator or
    returned by a stage's check; `str()` is the English sentence without the field's name."""

    def __init__(self, key: str, **params: Any) -> None:
        self.key, self.params = key, params  # a value may be {"id": ..., "en": ...}: said in each language
        super().__init__(self.text("en", "").removeprefix(": "))

    def text(self, lang: str | None, where: str) -> str:
        """The sentence in `lang`, naming the field as `where`."""
        own = {k: v[_lang(lang)] if isinstance(v, dict) else v for k, v in self.params.items()}
        return say(lang, self.key, where=where, **own)


def decimal(lang: str | None, value: float, digits: int) -> str:
    """A number as the language writes it: `50,0` in Bahasa Indonesia, `50.0` in English."""
    text = f"{value:.{digits}f}"
    return text if _lang(lang) == "en" else text.replace(".", ",")


def figures(text: str) -> dict[str, str]:
    """An English-written figure (`2,147.5`) in both languages: `2.147,5` in Bahasa Indonesia."""
    return {"en": text, "id": text.translate(str.maketrans({",": ".", ".": ","}))}


def line_prefix(lang: str | None, line: int) -> str:
    """`Baris 22 · ` / `Line 22 · `: how a problem shown with its line begins."""
    return say(lang, "line", n=line) + " · "


def where(model: type[BaseModel], loc: tuple | list, lang: str | None) -> str:
    """The name of the place `loc` in a worksheet, by its labels: `Tanggal penandatanganan komitmen`,
    `Ukuran ke-2 · Sesudah inovasi`; the worksheet itself for an empty `loc`."""
    names: list[str] = []
    specs: dict[str, FieldSpec] = {s.id: s for s in describe(model)}
    spec: FieldSpec | None = None
    for part in loc:
        if isinstance(part, int):
            if spec is not None and spec.record is not None:
                label = spec.record.LABEL.get(_lang(lang)) or spec.record.LABEL["en"]
                names[-1:] = [say(lang, "record", label=label, n=part + 1)]
                specs = {s.id: s for s in spec.record_fields}
            elif names:
                names[-1] = f"{names[-1]} ({part + 1})"  # an item of a list
            continue
        found = specs.get(str(part))
        if found is None:
            names.append("{#" + str(part) + "}")
            continue
        spec = found
        names.append(spec.label(_lang(lang)))
    return " · ".join(names) if names else say(lang, "worksheet")


def field_path(loc: tuple | list) -> str:
    """The field's id path as `lab answers import` writes it: `measures.2.after` (records from 1)."""
    return ".".join(str(p + 1) if isinstance(p, int) else str(p) for p in loc)
