"""Drive a cohort through the service layer (no Prefect): the same calls the flow's tasks make."""

from __future__ import annotations

import collections
import hashlib

from sqlmodel import select

from lab.domain.models import Proposal, Team, Transition, Worksheet
from lab.stages import STAGES
from lab.workflow import pipeline
from lab.workflow.answers import Entry, import_answers
from lab.workflow.roster import import_roster
from lab.workspace.cohort import workspace_session
from tests import factories


def run_once(ws) -> list[dict]:
    """One pass over the five stages, as the flow does it."""
    return [pipeline.run_stage(str(ws.root), s.slug) for s in STAGES]


def enrol(ws, n_units: int = 3) -> None:
    roster = factories.write_roster(ws.root.parent / "roster-in.csv", n_units)
    with workspace_session(ws) as (session, cohort):
        import_roster(ws, roster, session, cohort)


def answer(ws, stage: str, ident: str, answers: dict, force: bool = False):
    team, proposal = (ident, None) if stage in ("drum-up", "diagnose") else (None, ident)
    with workspace_session(ws) as (session, cohort):
        return import_answers(ws, session, cohort, [Entry("test", stage, team, proposal, answers)], force)


def teams(ws) -> dict[str, str]:
    with workspace_session(ws) as (session, cohort):
        return {t.slug: t.state for t in session.exec(select(Team).where(Team.cohort_id == cohort.id))}


def proposals(ws) -> dict[str, str]:
    with workspace_session(ws) as (session, cohort):
        return {
            p.code: p.state for p in session.exec(select(Proposal).where(Proposal.cohort_id == cohort.id))
        }


def sheet(ws, stage: str, ident: str) -> Worksheet:
    with workspace_session(ws) as (session, cohort):
        for w in session.exec(
            select(Worksheet).where(Worksheet.cohort_id == cohort.id, Worksheet.stage == stage)
        ):
            if ident in w.path.split("/"):
                return w
    raise LookupError(ident)


def sheet_path(ws, stage: str, ident: str):
    return ws.root / sheet(ws, stage, ident).path


def evidence(ws, code: str, *files: str) -> None:
    folder = next(ws.root.glob(f"teams/*/{code}")) / "evidence"
    folder.mkdir(exist_ok=True)
    for f in files:
        (folder / f).write_bytes(b"%PDF-1.4 test\n")


def drive_to_display(ws, n_units: int = 3, answers: dict | None = None, files=None) -> None:
    """Enrol n units and take every shortlisted proposal to showcased via answers and decisions.

    `answers` maps a stage to a function returning that stage's answers (default: tests.factories);
    `files(team, code)` gives a proposal's evidence files {name: bytes}, which its deliver worksheet lists
    (default: one sk.pdf).
    """
    made = factories.ANSWERS | (answers or {})
    from lab.workflow.decisions import decide
    from lab.workspace.cohort import find_proposal

    enrol(ws, n_units)
    run_once(ws)
    for slug in teams(ws):
        answer(ws, "drum-up", slug, made["drum-up"]())
    run_once(ws)
    for slug in teams(ws):
        answer(ws, "diagnose", slug, made["diagnose"]())
    run_once(ws)
    for code, state in proposals(ws).items():
        if state == "shortlisted":
            answer(ws, "design", code, made["design"]())
    run_once(ws)
    designed = [code for code, state in proposals(ws).items() if state == "designed"]
    with workspace_session(ws) as (session, cohort):
        for code in designed:
            decide(ws, session, cohort, find_proposal(session, cohort, code), "approve", "Fasilitator")
    run_once(ws)
    for code, state in proposals(ws).items():
        if state == "approved" and files is None:
            evidence(ws, code, "sk.pdf")
            answer(ws, "deliver", code, made["deliver"]())
        elif state == "approved":
            folder = next(ws.root.glob(f"teams/*/{code}"))
            given = files(folder.parent.name, code)
            for name, data in given.items():
                (folder / "evidence" / name).write_bytes(data)
            answer(ws, "deliver", code, factories.deliver(tuple(given)))
    run_once(ws)
    for code, state in proposals(ws).items():
        if state == "launched":
            answer(ws, "display", code, made["display"]())
    run_once(ws)


def snapshot(ws) -> dict:
    """Everything that must match between two runs of the same work, without ids, uids and times."""
    with workspace_session(ws, writer=False) as (session, cohort):
        slug = {t.id: t.slug for t in session.exec(select(Team).where(Team.cohort_id == cohort.id))}
        code = {p.id: p.code for p in session.exec(select(Proposal).where(Proposal.cohort_id == cohort.id))}
        audit = collections.Counter(
            (
                t.kind,
                slug[t.subject_id] if t.kind == "team" else code[t.subject_id],
                t.from_state,
                t.to_state,
                t.event,
                t.actor,
            )
            for t in session.exec(select(Transition).where(Transition.cohort_id == cohort.id))
        )
        snap = {
            "teams": sorted((t.slug, t.state, t.readiness, t.version) for t in session.exec(select(Team).where(Team.cohort_id == cohort.id))),
            "proposals": sorted((p.code, slug[p.team_id], p.origin, p.title, p.state, p.version)
                                for p in session.exec(select(Proposal).where(Proposal.cohort_id == cohort.id))),
            "worksheets": sorted((w.path, w.stage, w.status, w.generated_hash, w.written_hash, w.seen_hash, str(w.errors))
                                 for w in session.exec(select(Worksheet).where(Worksheet.cohort_id == cohort.id))),
            "audit": sorted(audit.items()),
        }  # fmt: skip
    skip = {"cohort.toml", "lab.db", "lab.db-wal", "lab.db-shm", ".lab-run.lock"}
    snap["files"] = sorted(
        (p.relative_to(ws.root).as_posix(), hashlib.sha256(p.read_bytes()).hexdigest())
        for p in ws.root.rglob("*")
        if p.is_file() and p.name not in skip and p.name not in (".fingerprint", ".pages.json")  # cache keys
    )  # fmt: skip
    return snap


def snapshot_diff(a: dict, b: dict) -> dict:
    """What differs between two snapshots (empty when equal), readable in a failing assertion."""
    out = {}
    for key in a.keys() | b.keys():
        left, right = a.get(key), b.get(key)
        if left != right:
            if key == "files":
                left, right = dict(left), dict(right)
                out[key] = sorted(f for f in left.keys() | right.keys() if left.get(f) != right.get(f))
            else:
                out[key] = (
                    [x for x in left if x not in right][:5]
                    + ["<->"]
                    + [x for x in right if x not in left][:5]
                )
    return out


def diagnosed(ws, n_units: int = 1, ideas: int = 1, forward: int = 1) -> None:
    """Enrol n units and take every team through drum-up and diagnose (proposals exist, designs generated)."""
    enrol(ws, n_units)
    run_once(ws)
    for slug in teams(ws):
        answer(ws, "drum-up", slug, factories.drum_up())
    run_once(ws)
    for slug in teams(ws):
        answer(ws, "diagnose", slug, factories.diagnose(ideas=ideas, forward=forward))
    run_once(ws)


def lab_env(tmp_path) -> dict[str, str]:
    """The environment of a real `lab` subprocess: no Prefect setting from outside, a PREFECT_HOME of its own."""
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), DO_NOT_TRACK="1",
               PREFECT_SERVER_ANALYTICS_ENABLED="false")  # fmt: skip
    return env
