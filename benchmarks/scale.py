"""National-scale benchmark: a synthetic cohort through all five stages, the engine against the raw floor.

    python benchmarks/scale.py --teams 20000 --proposals 100000

For every stage it times the engine's generate, ingest and advance steps and, in the same run, the floor
for the same work: the same template rendered with plain Jinja and the bytes written with plain file writes
(generate); the same files read and split into fields by the same parser, without validation or database
(ingest); the same state changes and audit rows written with one plain executemany (advance). The teams'
answers are written between stages as participants would. The last line is
`worst ratio X.X, peak RSS N MB, status S s`.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.pop("LAB_DATABASE_URL", None)

from lab.runtime.demo_data import DESIGN_PARAGRAPHS  # noqa: E402
from lab.stages import STAGES, get_stage  # noqa: E402
from lab.stages.design import PRINCIPLE  # noqa: E402
from lab.workflow import pipeline  # noqa: E402
from lab.workflow.roster import import_roster  # noqa: E402
from lab.worksheets.markdown import field_views, parse_text  # noqa: E402
from lab.worksheets.render import stage_template  # noqa: E402
from lab.workspace.cohort import init_workspace, workspace_session  # noqa: E402

FILL = {
    "name": "Inovasi",
    "unit": "Unit",
    "problem": "antrean layanan",
    "region": "Kabupaten",
    "users": "warga",
    "idea": "layanan jemput bola",
    "indicators": "waktu tunggu dan jumlah pengaduan",
    "legal_basis": "Keputusan Kepala Perangkat Daerah",
    "partners": "kecamatan dan puskesmas",
    "trial_from": "2026-05-04",
    "trial_to": "2026-07-31",
}  # the demo's design paragraphs ask for these
DESIGN = "\n\n".join(p.format(**FILL) for p in DESIGN_PARAGRAPHS)


def answers(slug: str, ideas: int) -> dict:
    """Realistic answers per stage (Indonesian text; several hundred words of design)."""
    return {
        "drum-up": {"signatory": "dr. Hanung Wikantono, M.Kes", "signatory_position": "Kepala Dinas Kesehatan",
                    "commitment_date": "2026-03-10", "committed": True,
                    "service_areas": ["Imunisasi", "Posyandu", "Kesehatan ibu dan anak"],
                    "members": [{"name": f"Anggota {k}", "role": "Anggota", "email": f"a{k}@example.go.id"} for k in range(3)]},
        "diagnose": {"readiness_leadership": 4, "readiness_culture": 3, "readiness_resources": 3, "readiness_data": 2,
                     "readiness_collaboration": 4,
                     "problems": [{"title": "Antrean layanan panjang", "data": "Rata-rata 63 pengunjung per hari menunggu lebih dari satu jam pada 2025.",
                                   "affected": "Warga", "causes": ["Formulir diisi di tempat", "Satu petugas loket"],
                                   "urgency": 5, "impact": 4, "feasibility": 4}],
                     "ideas": [{"title": f"Ide inovasi {k}", "description": "Pengambilan nomor antrean dan pengisian formulir dari rumah lewat aplikasi pesan.",
                                "problem": 1, "target_users": "Warga", "forward": True} for k in range(1, ideas + 1)]},
        "design": {"title": "Ide inovasi", "problem": "Antrean layanan panjang", "form": "public_service", "kind": "digital",
                   "affair": "civil_registration", "initiator": "agency", "design": DESIGN,
                   "main_changes": "Nomor antrean dan formulir dari rumah.", "objectives": "Memangkas waktu tunggu warga.",
                   "benefits": "Warga hemat waktu dan biaya.", "expected_results": "Waktu tunggu di bawah 15 menit.",
                   "trial_start": "2026-05-04", "budget": 15000000, "principles": list(PRINCIPLE.values),
                   "milestones": [{"what": "Uji coba", "owner": "Ketua tim", "due": "2026-07-31"},
                                  {"what": "Evaluasi", "owner": "Sekretaris", "due": "2026-08-31"}]},
        "deliver": {"launch_date": "2026-09-01", "launch_event": "Peluncuran oleh Bupati", "decree": "800/1/2026",
                    "decree_level": "agency_head", "maturity": "trial", "beneficiaries": 420,
                    "results": "Selama uji coba waktu tunggu turun dari 60 menjadi 15 menit.",
                    "measures": [{"indicator": "Waktu tunggu", "before": "60 menit", "after": "15 menit"}],
                    "evidence": [{"file": "sk.pdf", "proves": "Penetapan inovasi"}]},
        "display": {"summary": "Warga mengambil nomor antrean dan mengisi formulir dari rumah.",
                    "highlights": ["Waktu tunggu turun 75%", "420 warga terlayani"], "contact": "Ketua tim (ketua@example.go.id)"},
    }[slug]  # fmt: skip


CHUNK = 5000  # rows handled at a time by the fill and floor helpers, so they do not hold the cohort either


def fill(ws, slug: str, ideas: int) -> int:
    """Participants fill every open worksheet of a stage (not timed as engine work)."""
    from sqlmodel import select

    from lab.domain.models import Proposal, Team, Worksheet
    from lab.workflow.context import Run
    from lab.workflow.store import front_matter, render_for

    stage = get_stage(slug)
    with workspace_session(ws, writer=False) as (session, cohort):
        rows = session.exec(
            select(Worksheet.path, Team.slug, Proposal.code)
            .join(Team, Team.id == Worksheet.team_id)
            .outerjoin(Proposal, Proposal.id == Worksheet.proposal_id)
            .where(Worksheet.cohort_id == cohort.id, Worksheet.stage == slug)
        ).all()
        run = Run(ws, session, cohort, stage)
        first = session.exec(
            select(Worksheet).where(Worksheet.cohort_id == cohort.id, Worksheet.stage == slug)
        ).first()
        team = session.get(Team, first.team_id)
        run.teams = {team.id: team}
        entity = team if stage.granularity == "team" else session.get(Proposal, first.proposal_id)
        proto = render_for(run, entity, answers(slug, ideas))
        meta = front_matter(run, entity)
    for path, team_slug, code in rows:
        text = proto.replace(f"team: {meta['team']}\n", f"team: {team_slug}\n", 1)
        if code:
            text = text.replace(f"proposal: {meta['proposal']}\n", f"proposal: {code}\n", 1)
        target = ws.root / path
        target.write_text(text, encoding="utf-8")
        if slug == "deliver":
            (target.parent / "evidence" / "sk.pdf").write_bytes(b"%PDF-1.4\n")
    return len(rows)


def floor_generate(ws, slug: str, scratch: Path) -> float:
    """Plain Jinja render of the same template with the same context, plain file writes to the same paths
    (under a scratch folder). A folder that already held an earlier stage's worksheet is made beforehand,
    untimed; a folder this stage's run had to create is created in the timed part, as the engine had to.
    The contexts are prepared chunk by chunk, untimed; only rendering and writing are timed."""
    from sqlmodel import select

    from lab.domain.models import Proposal, Team, Worksheet
    from lab.workflow.context import Run
    from lab.workflow.store import front_matter

    stage = get_stage(slug)
    model = Team if stage.granularity == "team" else Proposal
    key = Worksheet.team_id if stage.granularity == "team" else Worksheet.proposal_id
    template = stage_template(slug, ws.settings.lang, None)
    scratch.mkdir(parents=True, exist_ok=True)
    took = 0.0
    with workspace_session(ws, writer=False) as (session, cohort):
        run = Run(ws, session, cohort, stage)
        run.teams = {t.id: t for t in session.exec(select(Team).where(Team.cohort_id == cohort.id))}
        rows = session.exec(select(Worksheet.path, key).where(Worksheet.cohort_id == cohort.id, Worksheet.stage == slug)
                            .order_by(key)).all()  # fmt: skip
        earlier = [s.slug for s in STAGES if s.number < stage.number]
        existed = {os.path.dirname(p) for p in session.exec(select(Worksheet.path).where(
            Worksheet.cohort_id == cohort.id, Worksheet.stage.in_(earlier)))}  # fmt: skip
        for folder in existed:
            os.makedirs(scratch / folder, exist_ok=True)
        made = set(existed)
        for start in range(0, len(rows), CHUNK):
            part = rows[start : start + CHUNK]
            entities = {
                e.id: e for e in session.exec(select(model).where(model.id.in_([i for _, i in part])))
            }
            run._diagnose = None
            run.chunk_teams = {e.id if model is Team else e.team_id for e in entities.values()}
            jobs = []
            for path, entity_id in part:
                entity = entities[entity_id]
                team = entity if model is Team else run.teams[entity.team_id]
                context = {"team": team, "proposal": entity if model is Proposal else None, "note": "",
                           "meta": front_matter(run, entity), "fields": field_views(stage.schema, stage.prefill(run, entity), ws.settings.lang),
                           "stage": stage, "lang": ws.settings.lang}  # fmt: skip
                jobs.append((path, context))
            start_t = time.perf_counter()
            for path, context in jobs:
                folder = os.path.dirname(path)
                if folder not in made:
                    os.makedirs(scratch / folder, exist_ok=True)
                    made.add(folder)
                with open(scratch / path, "w", encoding="utf-8") as fh:
                    fh.write(template.render(**context))
            took += time.perf_counter() - start_t
            del jobs, entities
    shutil.rmtree(scratch)
    return took


def floor_ingest(ws, slug: str) -> float:
    """The same files read and split into fields by the same parser; no validation, no database."""
    stage = get_stage(slug)
    with workspace_session(ws, writer=False) as (session, cohort):
        from sqlmodel import select

        from lab.domain.models import Worksheet

        paths = [
            ws.root / p
            for p in session.exec(
                select(Worksheet.path).where(Worksheet.cohort_id == cohort.id, Worksheet.stage == slug)
            )
        ]
    start = time.perf_counter()
    for path in paths:
        parse_text(path.read_bytes().decode("utf-8"), stage.schema)
    return time.perf_counter() - start


def high_water(ws) -> tuple[int, int]:
    """The highest transition and proposal ids, to find what one run added."""
    con = sqlite3.connect(ws.root / "lab.db")
    marks = (con.execute("SELECT coalesce(max(id), 0) FROM transition").fetchone()[0],
             con.execute("SELECT coalesce(max(id), 0) FROM proposal").fetchone()[0])  # fmt: skip
    con.close()
    return marks


def floor_advance(ws, since: tuple[int, int]) -> float:
    """The same rows the engine's advance wrote (new proposals, state changes, audit rows), each kind written
    with one plain executemany through the sqlite3 driver, then rolled back."""
    con = sqlite3.connect(ws.root / "lab.db", isolation_level=None)
    audit = con.execute("SELECT cohort_id, kind, subject_id, from_state, to_state, event, actor, at, note "
                        "FROM transition WHERE id > ?", (since[0],)).fetchall()  # fmt: skip
    props = con.execute("SELECT -cohort_id, -team_id, code, origin, title, state, version FROM proposal WHERE id > ?",
                        (since[1],)).fetchall()  # fmt: skip
    teams = [(a[4], a[2]) for a in audit if a[1] == "team"]
    proposals = [(a[4], a[2]) for a in audit if a[1] == "proposal" and a[5] != "create"]
    start = time.perf_counter()
    con.execute("BEGIN IMMEDIATE")
    con.executemany("INSERT INTO proposal (cohort_id, team_id, code, origin, title, state, version) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)", props)  # fmt: skip
    con.executemany("UPDATE team SET state = ?, version = version + 1 WHERE id = ?", teams)
    con.executemany("UPDATE proposal SET state = ?, version = version + 1 WHERE id = ?", proposals)
    con.executemany("INSERT INTO transition (cohort_id, kind, subject_id, from_state, to_state, event, actor, at, "
                    "note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", audit)  # fmt: skip
    took = time.perf_counter() - start
    con.execute("ROLLBACK")
    con.close()
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--teams", type=int, default=200)
    parser.add_argument("--proposals", type=int, default=1000)
    parser.add_argument(
        "--dir", type=Path, default=None, help="where to build the cohort (default: a temp folder)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the cohort afterwards")
    parser.add_argument("--no-prefect", action="store_true", help="skip the Prefect pass (task-run count)")
    args = parser.parse_args()
    ideas = max(1, round(args.proposals / args.teams))
    base = args.dir or Path(tempfile.mkdtemp(prefix="labinov-bench-"))
    ws = init_workspace(base / "cohort", "Kabupaten Sintetis", 2026, "SNT")
    settings = ws.root / "cohort.toml"
    settings.write_text(settings.read_text().replace('design = "facilitator"', 'design = "auto"'))
    roster = base / "roster.csv"
    with roster.open("w") as fh:
        fh.write("unit,unit_type,member,role,email\n")
        for i in range(args.teams):
            fh.write(f"Unit Sintetis {i:05d},opd,Ketua {i},Ketua,k{i}@example.go.id\n")
            fh.write(f"Unit Sintetis {i:05d},opd,Anggota {i},Anggota,a{i}@example.go.id\n")
    with workspace_session(ws) as (session, cohort):
        import_roster(ws, roster, session, cohort)
    print(
        f"cohort: {args.teams} teams, {ideas} ideas each → {args.teams * ideas} proposals, in {ws.root}",
        flush=True,
    )

    rows: list[tuple[str, str, float, float]] = []
    wall = time.perf_counter()
    engine_total, showcase_first = 0.0, 0.0
    reports = {}
    for stage in STAGES:
        # the stage's worksheets are generated (by this stage's first run)
        reports[stage.slug] = r = pipeline.run_stage(str(ws.root), stage.slug)
        engine_total += sum(r["seconds"].values())
        rows.append(
            (stage.slug, "generate", r["seconds"]["generate"], floor_generate(ws, stage.slug, base / "floor"))
        )
        print(f"  {stage.slug}: generated {r['generated']} in {r['seconds']['generate']:.2f} s", flush=True)
        fill(ws, stage.slug, ideas)
        # the next run reads them and advances
        marks = high_water(ws)
        r = pipeline.run_stage(str(ws.root), stage.slug)
        engine_total += sum(r["seconds"].values())
        assert r["invalid"] == 0 and r["advanced"] > 0, r
        rows.append((stage.slug, "ingest", r["seconds"]["ingest"], floor_ingest(ws, stage.slug)))
        rows.append(
            (
                stage.slug,
                "advance",
                r["seconds"]["advance"],
                floor_advance(ws, marks),
            )
        )
        extra = f", after {r['seconds']['after']:.2f} s" if "after" in r["seconds"] else ""
        if stage.slug == "display":
            showcase_first = r["seconds"].get("after", 0.0)
        print(f"  {stage.slug}: ingested {r['ingested']} in {r['seconds']['ingest']:.2f} s, advanced {r['advanced']} in "
              f"{r['seconds']['advance']:.2f} s{extra}", flush=True)  # fmt: skip

    idle_start = time.perf_counter()
    for stage in STAGES:
        pipeline.run_stage(str(ws.root), stage.slug)
    idle = time.perf_counter() - idle_start

    status_s = lab_status(ws)  # what a facilitator types
    status_json_s = lab_status(ws, "--json")  # every team and proposal listed

    task_runs = "skipped"
    if not args.no_prefect:
        task_runs = prefect_task_runs(ws)

    print()
    print(f"{'stage':<10} {'step':<9} {'engine s':>9} {'floor s':>9} {'ratio':>6}")
    worst = 0.0
    for slug, step, engine, floor in rows:
        ratio = engine / floor if floor > 0 else float("inf")
        worst = max(worst, ratio)
        print(f"{slug:<10} {step:<9} {engine:>9.3f} {floor:>9.3f} {ratio:>6.1f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print()
    print(
        f"engine time over all stages: {engine_total:.1f} s (wall {time.perf_counter() - wall:.1f} s with fills and floors)"
    )
    print(f"idle five-stage pass (nothing new): {idle:.1f} s")
    print(f"display showcase: first full build {showcase_first:.1f} s (every innovation showcased at once)")
    print(
        f"lab status: {status_s:.2f} s; lab status --json (every team and proposal listed): {status_json_s:.2f} s"
    )
    print(f"Prefect task runs per flow run: {task_runs}")
    print(f"worst ratio {worst:.1f}, peak RSS {peak:.0f} MB, status {status_s:.2f} s")
    if not args.keep and not args.dir:
        shutil.rmtree(base, ignore_errors=True)


def lab_status(ws, *flags: str) -> float:
    """Seconds for `lab status` in a fresh process, as a user runs it (the median of three runs)."""
    times = []
    for _ in range(3):
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "lab", "status", str(ws.root), *flags], capture_output=True, text=True
        )
        times.append(time.perf_counter() - start)
        assert done.returncode == 0, done.stderr
    return sorted(times)[1]


def prefect_task_runs(ws) -> int:
    """One real flow run on the finished cohort; how many task runs it made."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from flows.cohort import cohort_flow

    state = cohort_flow(workspace=str(ws.root), return_state=True)
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id]))
        )
    return len(runs)


if __name__ == "__main__":
    main()
