"""`lab demo`: a whole example cohort of Kabupaten Purbalingga, all five stages, end to end.

The demo plays every role through the same service calls the commands use: the facilitator creates the
cohort, imports the roster and decides at the design gate (approving most designs, returning one with a
note and dropping one); the teams' answers are imported into their worksheets, one returned design is
edited in its file as a participant would, evidence files are saved, and the cohort flow runs after each
step until every live proposal is showcased.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lab.domain.errors import WorkspaceError
from lab.domain.slug import slugify
from lab.runtime.demo_data import (
    CODE,
    COORDINATORS,
    DESIGN_PARAGRAPHS,
    FACILITATOR,
    PRESENTATION,
    REGION,
    SCORES,
    UNITS,
    YEAR,
)
from lab.runtime.demo_innovations import INNOVATIONS, VIDEO, long_date, lower_first
from lab.stages.deliver import DECREE_LEVEL
from lab.stages.design import PRINCIPLE
from lab.storage.files import write_atomic
from lab.workflow.answers import Entry, import_answers
from lab.workflow.decisions import decide
from lab.workflow.roster import import_roster
from lab.workspace.cohort import find_proposal, init_workspace, workspace_session
from lab.workspace.settings import Workspace, open_workspace

MARKER = ".labinov-demo"
RETURN_NOTE = "Lengkapi target waktu layanan dan rincian anggaran sebelum disetujui."
DROP_NOTE = "Tumpang tindih dengan layanan antrean daring Disdukcapil; digabung ke sana."


def run_demo(path: Path, fresh: bool = True, echo: Callable[[str], None] = print) -> Workspace:
    """Build and run the demo cohort in `path`; returns its workspace."""
    from lab.runtime.prefect_server import prefect_api

    _prepare(path, fresh)
    with prefect_api(quiet=True):  # one Prefect API for every pass: PREFECT_API_URL's, or a temporary one
        return _demo(path, echo)


def _demo(path: Path, echo: Callable[[str], None]) -> Workspace:
    from flows.cohort import cohort_flow

    def flow(step: str) -> dict:
        result = cohort_flow(workspace=str(ws.root))
        done = {k: v for k, v in result["funnel"]["proposals"].items() if v}
        echo(f"  lab run → {step}: teams {result['funnel']['teams']}, proposals {done or '-'}")
        return result

    echo(f"Labinov demo: {REGION} {YEAR}, {len(UNITS)} units, in {path}")
    echo(
        "(Unit and innovation names follow real Purbalingga entries; people, figures and texts are invented.)"
    )
    ws = init_workspace(path, REGION, YEAR, CODE, "id")
    write_atomic(path / MARKER, b"created by `lab demo`; `lab demo` may delete this folder\n")
    settings = (path / "cohort.toml").read_text(encoding="utf-8")
    settings = settings.replace("facilitators = []", f"facilitators = {json.dumps([FACILITATOR])}")
    settings = settings.replace("coordinators = []", f"coordinators = {json.dumps(COORDINATORS)}")
    settings = settings.replace("[schedule]\n", f"[schedule]\npresentation = {PRESENTATION}\n", 1)
    write_atomic(path / "cohort.toml", settings.encode("utf-8"))
    ws = open_workspace(path)
    roster = path.parent / f".{path.name}-roster.csv"
    write_atomic(roster, _roster_csv().encode("utf-8"))
    with workspace_session(ws) as (session, cohort):
        counts = import_roster(ws, roster, session, cohort)
    roster.unlink()
    echo(
        f"1. facilitator: lab init + lab roster import → {counts['teams']} units, {counts['members']} members"
    )
    flow("drum-up worksheets generated")

    _answer(ws, [_drum_up(u) for u in UNITS])
    echo("2. teams fill drum-up (commitment, members, services)")
    flow("teams committed, diagnose worksheets generated")

    _answer(ws, [_diagnose(u) for u in UNITS])
    echo("3. teams fill diagnose (readiness, problems, root causes, ideas)")
    flow("ideas became proposals, shortlisted ones got design worksheets")

    codes = _codes(ws)
    _answer(ws, [_design(name, code) for name, code in codes.items()])
    echo("4. teams fill design (PP 38/2017 fields, eight principles, action plan)")
    flow("designs complete, waiting for the facilitator")

    returned, dropped = codes["Si Purba"], codes["Kutasari Sigap"]
    approved = [c for n, c in codes.items() if c not in (returned, dropped)]
    _decide(ws, approved, "approve")
    _decide(ws, [returned], "return", RETURN_NOTE)
    _decide(ws, [dropped], "drop", DROP_NOTE)
    echo(f'5. facilitator: approve {len(approved)}, return {returned} ("{RETURN_NOTE}"), drop {dropped}')

    _participant_edits_returned_design(ws, returned, "Si Purba")
    echo(f"6. team of {returned} edits its design file to answer the note")
    flow("returned design complete again; deliver worksheets for approved proposals")
    _decide(ws, [returned], "approve", "Target waktu dan anggaran sudah jelas.")
    flow(f"{returned} approved, its deliver worksheet generated")

    _answer(ws, [_deliver(ws, code, name) for name, code in codes.items() if code != dropped])
    echo("7. teams save evidence files (bukti dukung) and fill deliver")
    flow("innovations launched, display worksheets generated")

    _answer(ws, [_display(code, name) for name, code in codes.items() if code != dropped])
    echo("8. teams fill display (summary, highlights, partners, sustainability, replications, video)")
    result = flow("innovations showcased")

    shown = result["funnel"]["proposals"].get("showcased", 0)
    reviewed = _score(ws, codes)
    echo(
        f"9. three coordinators score with the IGA rubric (lab review import) → {len(reviewed)} reviewed, "
        f"{shown - len(reviewed)} still missing a score"
    )
    echo(f"\nDone: {shown} innovations showcased, 1 dropped, 1 idea kept in the pool.")
    echo("Look at:")
    echo(f"  {path / 'showcase' / 'index.html'}   the showcase (open it in a browser)")
    echo(f"  {path / 'scoreboard' / 'index.html'}   the internal scoreboard (do not publish)")
    echo(f"  lab status {path}                 the funnel and what waits")
    echo(f"  lab history {path} {returned}     a returned and re-approved design")
    echo(f"  {path / 'teams'}/                the worksheets, as the teams filled them")
    return ws


def _score(ws: Workspace, codes: dict[str, str]) -> list[str]:
    """Each coordinator fills the review sheet the run wrote for them; the facilitator imports it."""
    from lab.workflow.review import import_and_publish

    by_code = {code: name for name, code in codes.items()}
    reviewed: list[str] = []
    for n, coordinator in enumerate(COORDINATORS):
        sheet = ws.root / "reviews" / f"{slugify(coordinator)}.csv"
        rows = list(csv.DictReader(io.StringIO(sheet.read_text(encoding="utf-8-sig"))))
        for row in rows:
            scores = SCORES.get(by_code.get(row["proposal"], ""), [None] * 3)[n]
            if scores:
                row.update(zip(ws.settings.rubric, map(str, scores), strict=True))
        out = io.StringIO()
        writer = csv.DictWriter(out, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        write_atomic(sheet, ("\ufeff" + out.getvalue()).encode("utf-8"))
        with workspace_session(ws) as (session, cohort):  # as `lab review import` does, one sheet at a time
            reviewed += import_and_publish(ws, session, cohort, sheet).reviewed
    return reviewed


def _prepare(path: Path, fresh: bool) -> None:
    if not path.exists():
        return
    if (path / MARKER).exists() and fresh:
        shutil.rmtree(path)
    elif any(path.iterdir()):
        raise WorkspaceError(f"{path} is not empty and was not made by `lab demo`; choose another folder")


def _roster_csv() -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["unit", "unit_type", "member", "role", "email"])
    for u in UNITS:
        for name, role in u["members"]:
            w.writerow([u["unit"], u["type"], name, role, _email(name)])
    return out.getvalue()


def _email(name: str) -> str:
    first = slugify(name.split(",")[0].replace("dr.", "").replace("drg.", "").replace("Ns.", "")).split("-")
    return f"{'.'.join(first[:2])}@purbalinggakab.example"


def _answer(ws: Workspace, entries: list[Entry]) -> None:
    with workspace_session(ws) as (session, cohort):
        report = import_answers(ws, session, cohort, entries)
    if report.problems:
        raise RuntimeError("demo answers were refused: " + "; ".join(report.problems))


def _decide(ws: Workspace, codes: list[str], decision: str, note: str = "") -> None:
    with workspace_session(ws) as (session, cohort):
        for code in codes:
            decide(
                ws,
                session,
                cohort,
                find_proposal(session, cohort, code),
                decision,
                FACILITATOR,
                note,
            )


def _codes(ws: Workspace) -> dict[str, str]:
    """Proposal ids of the shortlisted ideas by idea name."""
    with workspace_session(ws) as (session, cohort):
        from sqlmodel import select

        from lab.domain.models import Proposal

        rows = session.exec(
            select(Proposal).where(Proposal.cohort_id == cohort.id, Proposal.state == "shortlisted")
        )
        return {p.title: p.code for p in rows}


def _unit_of(name: str) -> dict[str, Any]:
    return next(u for u in UNITS if any(i[0] == name for i in u["ideas"]))


def _drum_up(u: dict) -> Entry:
    head, position = u["head"]
    answers = {
        "signatory": head, "signatory_position": position, "commitment_date": f"{YEAR}-03-10",
        "committed": True, "service_areas": u["services"],
        "members": [{"name": n, "role": r, "email": _email(n)} for n, r in u["members"]],
    }  # fmt: skip
    return Entry("demo", "drum-up", slugify(u["unit"]), None, answers)


def _diagnose(u: dict) -> Entry:
    answers = {
        "readiness_leadership": 4, "readiness_culture": 3, "readiness_resources": 3, "readiness_data": 2,
        "readiness_collaboration": 4,
        "problems": [{"title": title, "data": data, "affected": affected, "causes": causes,
                      "urgency": 5 - n, "impact": 4, "feasibility": 4}
                     for n, (title, data, affected, causes) in enumerate(u["problems"])],
        "ideas": [{"title": name, "description": d, "problem": problem, "target_users": t, "forward": f}
                  for name, d, t, f, problem in u["ideas"]],
    }  # fmt: skip
    return Entry("demo", "diagnose", slugify(u["unit"]), None, answers)


def _idea(name: str) -> tuple[dict, tuple, tuple]:
    """The unit, the idea and the problem it answers, by the idea's name."""
    u = _unit_of(name)
    idea = next(i for i in u["ideas"] if i[0] == name)
    return u, idea, u["problems"][idea[4] - 1]


def design_text(name: str) -> str:
    """Several hundred words of design for an idea, with its own problem, partners, trial and indicators."""
    u, idea, problem = _idea(name)
    plan, done = INNOVATIONS[name]["design"], INNOVATIONS[name]
    fill = {
        "name": name, "unit": u["unit"], "problem": lower_first(problem[0]), "region": REGION,
        "users": lower_first(idea[2]), "idea": idea[1],
        "trial_from": long_date(plan["trial"][0]), "trial_to": long_date(plan["trial"][1]),
        "legal_basis": DECREE_LEVEL.labels[done["deliver"]["decree"][0] if "deliver" in done else plan["legal_basis"]]["id"],
        "partners": "; ".join(f"{p[0]} ({lower_first(p[2])})"
                              for p in (done["display"]["partners"] if "display" in done else plan["partners"])),
        "indicators": ", ".join(lower_first(m[0] if isinstance(m, tuple) else m)
                                for m in (done["deliver"]["measures"] if "deliver" in done else plan["indicators"])),
    }  # fmt: skip
    return "\n\n".join(p.format(**fill) for p in DESIGN_PARAGRAPHS)


def _design(name: str, code: str) -> Entry:
    u, idea, _ = _idea(name)
    plan = INNOVATIONS[name]["design"]
    answers = {
        "form": "public_service", "kind": plan["kind"], "affair": plan["affair"], "initiator": plan["initiator"],
        "design": design_text(name), "main_changes": idea[1], "objectives": plan["objectives"],
        "benefits": plan["benefits"], "expected_results": plan["expected_results"],
        "trial_start": plan["trial"][0], "trial_end": plan["trial"][1],
        "implementation_start": plan.get("implementation"), "budget": plan["budget"],
        "principles": list(PRINCIPLE.values),
        "milestones": [
            {"what": "Penetapan tim dan petunjuk teknis", "owner": u["members"][0][0], "due": f"{YEAR}-04-15"},
            {"what": "Pelatihan petugas dan sosialisasi", "owner": u["members"][-1][0], "due": f"{YEAR}-04-30"},
            {"what": "Uji coba dan evaluasi bulanan", "owner": u["members"][0][0], "due": plan["trial"][1]},
        ],
    }  # fmt: skip
    return Entry("demo", "design", None, code, answers)


def _participant_edits_returned_design(ws: Workspace, code: str, name: str) -> None:
    """Edit the design file by hand, as the team would after a return: the expected results get a target
    and time, and the budget its new total (the line under each field's heading is replaced, however the
    worksheet wrote it)."""
    plan = INNOVATIONS[name]["design"]
    path = next((ws.root / "teams").glob(f"*/{code}/3-design.md"))
    text = path.read_text(encoding="utf-8")
    edited = _answer_line(text, "expected_results", plan["expected_results_revised"])
    edited = _answer_line(edited, "budget", str(plan["budget_revised"]))
    path.write_text(edited, encoding="utf-8")


def _answer_line(text: str, field_id: str, value: str) -> str:
    """`text` with the first answer line under the heading `## … {#field_id}` replaced by `value`."""
    lines = text.split("\n")
    start = next(
        n
        for n, line in enumerate(lines)
        if line.startswith("## ") and line.rstrip().endswith(f"{{#{field_id}}}")
    )
    for n in range(start + 1, len(lines)):
        if lines[n].startswith("#"):
            break
        if lines[n].strip() and not lines[n].startswith(">"):
            lines[n] = value
            return "\n".join(lines)
    raise RuntimeError(f"the demo found no answer under {{#{field_id}}} to edit")


MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


IID_EVIDENCE = (
    # file, what it proves, the IID indicator it backs, the level claimed: proposal n saves the first 2 + n
    ("sk-penetapan-inovasi.pdf", "Penetapan inovasi oleh kepala perangkat daerah", "regulation", "1"),
    ("laporan-uji-coba.pdf", "Hasil uji coba tiga bulan", "monitoring", "1"),
    ("sk-tim-inovasi.pdf", "Tim pelaksana inovasi, 12 orang", "staff", "2"),
    ("linimasa-inovasi.pdf", "Linimasa dari gagasan sampai peluncuran, 4 bulan", "speed", "3"),
    ("daftar-penerima-manfaat.pdf", "Daftar penerima manfaat selama uji coba", "benefit", "2"),
    ("tautan-video.txt", "Tautan video inovasi di YouTube", "video", "2"),
    ("tangkapan-layar-aplikasi.pdf", "Tangkapan layar aplikasi layanan", "work_tools", "2"),
)


def _iid_evidence(folder: Path, n: int, skip: set[str] = frozenset()) -> list[dict]:  # type: ignore[assignment]
    """Save the proposal's evidence files and list each with the IID indicator and level it backs (not for the
    indicators in `skip`, which the innovation's own evidence backs)."""
    rows = []
    for file, proves, indicator, level in IID_EVIDENCE[: 2 + n]:
        if indicator in skip:
            continue
        data = b"https://www.youtube.com/watch?v=labinov-demo\n" if file.endswith(".txt") else MINIMAL_PDF
        write_atomic(folder / file, data)
        rows.append({"file": file, "proves": proves, "indicator": indicator, "level": level})
    return rows


def _deliver(ws: Workspace, code: str, name: str) -> Entry:
    done = INNOVATIONS[name]["deliver"]
    folder = next((ws.root / "teams").glob(f"*/{code}")) / "evidence"
    folder.mkdir(exist_ok=True)
    evidence = [{"file": f, "proves": p, "indicator": i, "level": lv} for f, p, i, lv in done["evidence"]]
    for row in evidence:
        write_atomic(folder / row["file"], MINIMAL_PDF)
    evidence += _iid_evidence(folder, int(code[-3:]), skip={row["indicator"] for row in evidence})
    (launch, event), (level, number, dated) = done["launch"], done["decree"]
    answers = {
        "launch_date": launch, "launch_event": event, "decree_level": level, "decree": number,
        "decree_date": dated, "maturity": done["maturity"], "beneficiaries": done["beneficiaries"],
        "results": done["results"],
        "measures": [{"indicator": i, "before": b, "after": a} for i, b, a in done["measures"]],
        "evidence": evidence,
    }  # fmt: skip
    return Entry("demo", "deliver", None, code, answers)


def _display(code: str, name: str) -> Entry:
    shown = INNOVATIONS[name]["display"]
    u = _unit_of(name)
    answers = {
        "summary": shown["summary"], "highlights": shown["highlights"],
        "contact": f"{u['members'][0][0]} ({_email(u['members'][0][0])})",
        "partners": [{"name": n, "collaboration": c, "contribution": r} for n, c, r in shown["partners"]],
        "sustainability": shown["sustainability"], "sustainability_note": shown["sustainability_note"],
        "replications": [{"place": p, "date": d, "status": st} for p, d, st in shown["replications"]],
        "video": VIDEO.format(slug=slugify(name)),
    }  # fmt: skip
    return Entry("demo", "display", None, code, answers)
