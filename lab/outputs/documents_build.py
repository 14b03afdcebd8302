"""The standard document templates, built in code with python-docx: a Word file per kind and language whose
labels are written out and whose values are docxtpl tags (`{{ p.name }}`, `{%tr for m in milestones %}`).

`lab documents --templates` writes them into a cohort's `templates/documents/<lang>/` for an office to restyle in
Word (letterhead, fonts, wording); a cohort's own file is then used instead of the built one. Building them here
keeps the repository free of binary templates and the labels beside their translations (documents_words)."""

from __future__ import annotations

import io
from functools import cache

from lab.outputs.documents_words import WORDS

A4 = (21.0, 29.7)  # cm
MARGIN = 2.5  # cm


@cache
def template_bytes(kind: str, lang: str) -> bytes:
    """The standard template of a document kind in a language, as the bytes of a .docx file."""
    from docx import Document

    doc = Document()
    _page(doc)
    {"proposal": _proposal, "commitment": _commitment, "kipp": _kipp}[kind](doc, WORDS[lang])
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _page(doc) -> None:
    """A4, 2.5 cm margins, Arial 11: the usual page of a regional office's letter."""
    from docx.shared import Cm, Pt

    section = doc.sections[0]
    section.page_width, section.page_height = Cm(A4[0]), Cm(A4[1])
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(MARGIN))
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = "Arial", Pt(11)


def _title(doc, *lines: str) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    for n, line in enumerate(lines):
        para = doc.add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = para.add_run(line)
        run.bold = n == 0


def _rows(doc, rows: list[tuple[str, str]]) -> None:
    """A two-column table of label and value."""
    from docx.shared import Cm

    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
        cells[0].width, cells[1].width = Cm(5.5), Cm(10.5)


def _heading(doc, text: str) -> None:
    para = doc.add_paragraph()
    para.add_run(text).bold = True


def _loop_table(doc, name: str, item: str, headers: list[str], values: list[str]) -> None:
    """A table with a header row and one row per item of the list `name` (docxtpl's `{%tr %}` rows)."""
    table = doc.add_table(rows=4, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    table.rows[1].cells[0].text = f"{{%tr for {item} in {name} %}}"
    for cell, text in zip(table.rows[2].cells, values, strict=True):
        cell.text = text
    table.rows[3].cells[0].text = "{%tr endfor %}"


def _bullets(doc, name: str, item: str, text: str) -> None:
    doc.add_paragraph(f"{{%p for {item} in {name} %}}")
    doc.add_paragraph(text, style="List Bullet")
    doc.add_paragraph("{%p endfor %}")


def _signature(doc, w: dict[str, str]) -> None:
    """Place and date, the signer's position, room to sign, the signer's name (right half of the page)."""
    from docx.shared import Cm

    doc.add_paragraph()
    for n, text in enumerate(
        ("{{ place }}, {{ date }}", "{{ signer.position }}", "", "", "", "{{ signer.name }}")
    ):
        para = doc.add_paragraph()
        para.paragraph_format.left_indent = Cm(9)
        para.paragraph_format.space_after = Cm(0)
        run = para.add_run(text)
        run.bold = run.underline = n == 5


def _proposal(doc, w: dict[str, str]) -> None:
    _title(doc, w["proposal_title"], w["proposal_basis"], "{{ lab }}")
    _rows(doc, [(w[k], f"{{{{ p.{k} }}}}") for k in (
        "code", "name", "unit", "form", "kind", "affair", "initiator", "stage", "trial_start",
        "implementation_start", "budget")])  # fmt: skip
    for key in ("problem", "design", "main_changes", "objectives", "benefits", "expected_results"):
        _heading(doc, w[key] + (f" ({{{{ p.design_words }}}} {w['words']})" if key == "design" else ""))
        doc.add_paragraph(f"{{{{ p.{key} }}}}")
    _heading(doc, w["milestones"])
    _loop_table(doc, "milestones", "m", [w["no"], w["what"], w["owner"], w["due"]],
                ["{{ m.no }}", "{{ m.what }}", "{{ m.owner }}", "{{ m.due }}"])  # fmt: skip
    _heading(doc, w["principles"])
    _bullets(doc, "principles", "x", "{{ x }}")
    _signature(doc, w)


def _commitment(doc, w: dict[str, str]) -> None:
    _title(doc, w["commitment_title"], w["commitment_subtitle"], "{{ lab }}")
    doc.add_paragraph(w["undersigned"])
    _rows(doc, [(w["person"], "{{ signer.name }}"), (w["position"], "{{ signer.position }}"),
                (w["unit"], "{{ unit }}")])  # fmt: skip
    doc.add_paragraph(w["declares"].format(unit="{{ unit }}", lab="{{ lab }}"))
    _loop_table(
        doc, "members", "m", [w["no"], w["member"], w["role"]], ["{{ m.no }}", "{{ m.name }}", "{{ m.role }}"]
    )
    doc.add_paragraph()
    doc.add_paragraph(w["services"])
    _bullets(doc, "services", "s", "{{ s }}")
    doc.add_paragraph(w["closing"])
    _signature(doc, w)


def _kipp(doc, w: dict[str, str]) -> None:
    from docx.shared import RGBColor

    _title(doc, w["kipp_title"], "{{ p.name }} · {{ p.unit }}", "{{ lab }}")
    doc.add_paragraph(w["kipp_basis"]).runs[0].italic = True
    doc.add_paragraph("{%p if age_note %}")
    doc.add_paragraph("{{ age_note }}").runs[0].bold = True
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("{%p for s in sections %}")
    _heading(doc, "{{ s.number }}. {{ s.title }} ({{ s.limit_note }})")
    doc.add_paragraph("{%p if s.flag %}")
    flag = doc.add_paragraph().add_run("{{ s.flag }}")
    flag.bold, flag.font.color.rgb = True, RGBColor(0xC0, 0x00, 0x00)
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("{{ s.text }}")
    doc.add_paragraph("{%p endfor %}")
    _heading(doc, w["kipp_attachments"])
    _bullets(doc, "attachments", "a", "{{ a }}")
