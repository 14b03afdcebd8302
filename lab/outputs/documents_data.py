"""What goes into each formal document: the values docxtpl fills in, read from the worksheets' valid answers.

Every value taken from a worksheet is the team's text: it is passed to the template as a value (never as template
code), its control characters are made visible (XML cannot hold them and docxtpl would read `\\a` and `\\f` as
paragraph and page breaks), and the template escapes it for XML. A KIPP section longer than its word limit, or
empty, carries a flag the document prints in red and `lab documents` repeats."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlmodel import Session, select

from lab.domain.models import Cohort, Proposal, Team, Worksheet
from lab.outputs.documents_words import FILE_WORDS, KIPP_SECTIONS, WORDS, long_date, rupiah
from lab.outputs.profiles import Profile, profiles
from lab.outputs.showcase_text import option_label
from lab.stages import STAGES
from lab.storage.tables import printable
from lab.worksheets.spec import describe
from lab.workspace.settings import Workspace

BLANK = "…………………………"  # where a form is signed or filled in by hand


@dataclass
class Document:
    """One document to write: its kind, file stem, the values of its template, and the flags it raises."""

    kind: str
    stem: str
    context: dict[str, Any]
    flags: list[str] = field(default_factory=list)


def text(value: Any) -> str:
    """A team's answer as document text: '' for none, control characters shown as U+FFFD."""
    if value is None:
        return ""
    return printable(str(value)).replace("\r\n", "\n").replace("\r", "\n")


def words(value: str) -> int:
    return len(value.split())


def common(ws: Workspace) -> dict[str, Any]:
    """Values every document shares: the lab's name, the place and today's date."""
    s = ws.settings
    lab = s.title or (f"Laboratorium Inovasi {s.region} {s.year}" if s.lang == "id" else
                      f"Innovation Lab {s.region} {s.year}")  # fmt: skip
    return {"lab": text(lab), "place": text(s.region), "date": long_date(dt.date.today(), s.lang)}


def drum_up_answers(session: Session, team_ids: set[int]) -> dict[int, dict]:
    """Each team's valid drum-up answers (the commitment)."""
    if not team_ids:
        return {}
    query = select(Worksheet.team_id, Worksheet.answers).where(
        Worksheet.team_id.in_(team_ids), Worksheet.stage == "drum-up", Worksheet.status == "valid"
    )
    return {tid: data or {} for tid, data in session.exec(query)}


def signer(drum_up: dict, unit: str, lang: str) -> dict[str, str]:
    """Who signs for the unit (the head who signed the drum-up commitment), or a line to write on."""
    head = f"{WORDS[lang]['head_of']} {unit}"
    return {
        "name": text(drum_up.get("signatory")) or BLANK,
        "position": text(drum_up.get("signatory_position")) or head,
    }


def proposal_form(ws: Workspace, p: Profile, drum_up: dict) -> Document:
    """The PP 38/2017 innovation proposal form, from the design worksheet (and the decree's maturity, if any)."""
    lang, w, d = ws.settings.lang, WORDS[ws.settings.lang], p.design
    design = text(d.get("design"))
    values = {
        "code": p.code, "name": text(d.get("title") or p.title), "unit": text(p.unit),
        "form": option_label("form", d.get("form"), lang), "kind": option_label("kind", d.get("kind"), lang),
        "affair": option_label("affair", d.get("affair"), lang),
        "initiator": option_label("initiator", d.get("initiator"), lang),
        "stage": option_label("maturity", p.deliver.get("maturity"), lang) or w["stage_initiative"],
        "trial_start": " – ".join(long_date(d.get(k), lang) for k in ("trial_start", "trial_end") if d.get(k))
        or w["none"],
        "implementation_start": long_date(d.get("implementation_start"), lang) or w["none"],
        "budget": rupiah(d.get("budget"), lang) or w["none"], "design": design, "design_words": words(design),
    }  # fmt: skip
    for key in ("problem", "main_changes", "objectives", "benefits", "expected_results"):
        values[key] = text(d.get(key)) or w["not_set"]
    milestones = [
        {
            "no": n,
            "what": text(m.get("what")),
            "owner": text(m.get("owner")),
            "due": long_date(m.get("due"), lang),
        }
        for n, m in enumerate(d.get("milestones") or [], 1)
    ]
    context = common(ws) | {
        "p": values, "milestones": milestones, "signer": signer(drum_up, text(p.unit), lang),
        "principles": [option_label("principles", x, lang) for x in d.get("principles") or []],
    }  # fmt: skip
    return Document("proposal", f"{p.code}-{FILE_WORDS[lang]['proposal']}", context)


def commitment_letter(ws: Workspace, team: Team, drum_up: dict) -> Document:
    """The unit head's letter of commitment, from the team's drum-up worksheet."""
    lang = ws.settings.lang
    members = [{"no": n, "name": text(m.get("name")), "role": text(m.get("role"))}
               for n, m in enumerate(drum_up.get("members") or [], 1)]  # fmt: skip
    context = common(ws) | {
        "unit": text(team.unit), "signer": signer(drum_up, text(team.unit), lang), "members": members,
        "services": [text(s) for s in drum_up.get("service_areas") or []],
        "date": long_date(drum_up.get("commitment_date"), lang) or common(ws)["date"],
    }  # fmt: skip
    return Document("commitment", f"{team.slug}-{FILE_WORDS[lang]['commitment']}", context)


def kipp_draft(ws: Workspace, p: Profile, drum_up: dict) -> Document:
    """A KIPP proposal draft: each section filled from design, deliver and display, checked against its limit."""
    lang, w = ws.settings.lang, WORDS[ws.settings.lang]
    filled = kipp_texts(p, drum_up, lang)
    sections, flags = [], []
    for n, sec in enumerate(KIPP_SECTIONS, 1):
        body = filled.get(sec.id, "")
        count = words(body)
        flag = ""
        if count > sec.max_words:
            flag = w["kipp_over"].format(words=count, limit=sec.max_words)
        elif not count:
            flag = w["kipp_empty"]
        if flag:
            flags.append(f"{sec.title[lang]}: {flag}")
        sections.append({"number": n, "title": sec.title[lang], "words": count, "limit": sec.max_words,
                         "limit_note": w["kipp_limit"].format(limit=sec.max_words, words=count),
                         "text": body, "flag": flag})  # fmt: skip
    launch = p.deliver.get("launch_date")
    age_note = ""
    if launch and dt.date.fromisoformat(str(launch)) > dt.date.today() - dt.timedelta(days=365):
        age_note = w["kipp_age"].format(date=long_date(launch, lang))
        flags.append(age_note)
    attachments = [w[k] for k in ("attach_video", "attach_implementation", "attach_identity",
                                  "attach_replication", "attach_decree")]  # fmt: skip
    if p.display.get("video"):
        attachments[0] += f" ({w['video_link'].format(link=text(p.display['video']))})"
    if p.deliver.get("decree"):
        attachments[-1] += f" ({decree_ref(p.deliver, lang)})"
    context = common(ws) | {
        "p": {"code": p.code, "name": text(p.design.get("title") or p.title), "unit": text(p.unit)},
        "sections": sections,
        "attachments": attachments,
        "age_note": age_note,
    }
    return Document("kipp", f"{p.code}-{FILE_WORDS[lang]['kipp']}", context, flags)


def kipp_texts(p: Profile, drum_up: dict, lang: str) -> dict[str, str]:
    """The text of each KIPP section as the worksheets give it ('' where they say nothing)."""
    w, d, r, s = WORDS[lang], p.design, p.deliver, p.display

    def lines(*parts: str) -> str:
        return "\n".join(x for x in parts if x)

    implementation = lines(
        w["launched"].format(date=long_date(r.get("launch_date"), lang), event=text(r.get("launch_event")))
        if r.get("launch_date") else "",
        w["maturity"].format(maturity=option_label("maturity", r.get("maturity"), lang)) if r.get("maturity") else "",
        *(f"- {text(m.get('what'))} ({text(m.get('owner'))}, {long_date(m.get('due'), lang)})"
          for m in d.get("milestones") or []),
    )  # fmt: skip
    significance = lines(
        text(r.get("results")),
        *(w["measure"].format(indicator=text(m.get("indicator")), before=text(m.get("before")),
                              after=text(m.get("after"))) for m in r.get("measures") or []),
        w["beneficiaries"].format(n=f"{r['beneficiaries']:,}".replace(",", "." if lang == "id" else ","))
        if isinstance(r.get("beneficiaries"), int) else "",
        *(f"- {text(h)}" for h in s.get("highlights") or []),
    )  # fmt: skip
    names = ", ".join(f"{text(m.get('name'))} ({text(m.get('role'))})" for m in drum_up.get("members") or [])
    resources = lines(
        w["budget_line"].format(amount=rupiah(d.get("budget"), lang)) if isinstance(d.get("budget"), int) else "",
        w["team_size"].format(names=names) if names else "",
        *(w["partner"].format(name=text(m.get("name")), how=sub_label("partners", "collaboration", m.get("collaboration"), lang),
                              what=f": {text(m.get('contribution'))}" if m.get("contribution") else "")
          for m in s.get("partners") or []),
    )  # fmt: skip
    sustainability = lines(
        decreed(r, lang),
        *(f"- {option_label('sustainability', x, lang)}" for x in s.get("sustainability") or []),
        text(s.get("sustainability_note")),
    )  # fmt: skip
    replications = [x for x in s.get("replications") or [] if isinstance(x, dict)]

    def replication(x: dict) -> str:
        status = sub_label("replications", "status", x.get("status"), lang)
        return f"- {text(x.get('place'))} ({status}, {long_date(x.get('date'), lang)})"

    done = [replication(x) for x in replications if x.get("status") != "planned"]
    planned = [replication(x) for x in replications if x.get("status") == "planned"]
    return {
        "summary": text(s.get("summary")),
        "background": "\n\n".join(x for x in (text(d.get("problem")), text(d.get("objectives"))) if x),
        "novelty": text(d.get("main_changes")), "implementation": implementation, "significance": significance,
        "replicated": lines(*done), "potential": lines(text(d.get("benefits")), *planned), "resources": resources,
        "sustainability": sustainability,
    }  # fmt: skip


def decree_ref(deliver: dict, lang: str) -> str:
    """'Peraturan Kepala Daerah Nomor 27 Tahun 2026 tanggal 20 Agustus 2026' ('' without a decree)."""
    if not deliver.get("decree"):
        return ""
    w, when = WORDS[lang], long_date(deliver.get("decree_date"), lang)
    level = option_label("decree_level", deliver.get("decree_level"), lang)
    return w["decree_ref"].format(
        level=level, decree=text(deliver["decree"]), date=w["dated"].format(date=when) if when else ""
    )


def decreed(deliver: dict, lang: str) -> str:
    """'Ditetapkan dengan <the decree>.' ('' without one)."""
    ref = decree_ref(deliver, lang)
    return WORDS[lang]["decreed"].format(ref=ref) if ref else ""


@cache
def _sub_options() -> dict[tuple[str, str], dict[str, dict[str, str]]]:
    """The choices of record fields (a partner's form of collaboration, a replication's status) by
    (field, sub-field), from the stage schemas."""
    out: dict[tuple[str, str], dict[str, dict[str, str]]] = {}
    for stage in STAGES:
        for spec in describe(stage.schema):
            for sub in spec.record_fields:
                if sub.option_labels:
                    out.setdefault((spec.id, sub.id), sub.option_labels)
    return out


def sub_label(field_id: str, sub: str, value: object, lang: str) -> str:
    """The label of a record field's choice in a language (the value itself when it is not a choice)."""
    if not isinstance(value, str) or not value:
        return ""
    return _sub_options().get((field_id, sub), {}).get(value, {}).get(lang, value)


def documents_for(
    ws: Workspace, session: Session, cohort: Cohort, kinds: tuple[str, ...], code: str | None = None
) -> Iterator[Document | str]:
    """The cohort's documents (or one proposal's): commitment letters team by team, then the proposal forms and
    KIPP drafts in proposal order; a str instead of each document its worksheets cannot fill yet, saying why."""
    if "commitment" in kinds:
        query = select(Team).where(Team.cohort_id == cohort.id).order_by(Team.id)
        if code is not None:
            query = query.join(Proposal, Proposal.team_id == Team.id).where(Proposal.code == code)
        for batch in _chunks(session.exec(query)):
            drum = drum_up_answers(session, {t.id for t in batch})
            for team in batch:
                answers = drum.get(team.id)
                yield (
                    commitment_letter(ws, team, answers) if answers else f"{team.slug}: {NOT_YET % 'drum-up'}"
                )
    if not {"proposal", "kipp"} & set(kinds):
        return
    chosen = (p for p in profiles(session, cohort) if code is None or p.code == code)
    for batch in _chunks(chosen):
        teams = select(Team.slug, Team.id).where(
            Team.cohort_id == cohort.id, Team.slug.in_({p.team for p in batch})
        )
        ids = dict(session.exec(teams).all())
        drum = drum_up_answers(session, set(ids.values()))
        for p in batch:
            answers = drum.get(ids[p.team], {})
            if "proposal" in kinds:
                yield proposal_form(ws, p, answers) if p.design else f"{p.code}: {NOT_YET % 'design'}"
            if "kipp" in kinds:
                ready = p.design and p.deliver
                yield kipp_draft(ws, p, answers) if ready else f"{p.code}: {NOT_YET % 'deliver'}"


NOT_YET = "no valid %s worksheet yet"


def _chunks(items, size: int = 500) -> Iterator[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
