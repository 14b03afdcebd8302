"""A whole cohort in a real browser: from the roster to a scored showcase, every team action in Chromium.

A real cohort (`lab init`, `lab roster import`, two units of Kabupaten Purbalingga) is served by a real `lab
serve` on a loopback port; everyone enters by the link `lab links PATH --json` gives them. A team on a phone
fills its five worksheets (a wrong date first, fixed beside its field), uploads a PDF decree as evidence and
revises the design the facilitator returned with a note; the facilitator, on a laptop, runs the lab from the
page and decides at the design gate; both coordinators score the innovation, the scoreboard shows it and the
proposal is `reviewed`. Between steps the lab is run as a facilitator runs it (`lab run PATH`), and at least
once from the page's button. No page has a console or page error, none is wider than a 360-px phone, none
weighs 150 KB. Screenshots (phone and laptop) of each role's main pages go to $LAB_JOURNEY_SHOTS (default: the
test's tmp folder).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser_support import free_port, serving
from tests.journey_support import (
    COORDINATORS,
    DESK,
    DPMPTSP,
    FACILITATOR,
    PHONE,
    PUSKESMAS,
    RUN,
    Watch,
    lab,
    links,
    make_cohort,
    pdf,
    states,
    status,
)

DESIGN = [
    "Ibu hamil di wilayah Puskesmas Karangreja mendaftar pemeriksaan kehamilan lewat pesan WhatsApp ke nomor "
    "layanan, paling lambat sehari sebelum datang.",
    "Petugas pendaftaran mencatat nama, usia kehamilan, nomor buku KIA dan desa asal ke dalam register "
    "elektronik yang dibagi dengan bidan desa.",
    "Setiap pagi register itu menghasilkan daftar kunjungan per jam, sehingga ibu hamil datang pada jam yang "
    "sudah ditentukan dan tidak menunggu di ruang tunggu bersama pasien umum.",
    "Bidan koordinator memeriksa daftar itu, menandai ibu dengan risiko tinggi, dan menyiapkan rujukan ke RSUD "
    "dr. Goeteng Taroenadibrata bila diperlukan.",
    "Ibu yang tidak datang pada jadwalnya dihubungi kembali oleh bidan desa pada hari yang sama, lalu dijadwalkan "
    "ulang atau dikunjungi ke rumah bila ada tanda bahaya.",
    "Kader posyandu di dua belas desa membantu ibu yang tidak memiliki telepon genggam dengan mendaftarkan mereka "
    "melalui telepon kader atau telepon kantor desa.",
    "Hasil pemeriksaan dicatat di buku KIA dan di register yang sama, sehingga kunjungan berikutnya langsung "
    "terjadwal sebelum ibu meninggalkan puskesmas.",
    "Setiap bulan tim inovasi menghitung waktu tunggu rata-rata, jumlah kunjungan K1 sampai K6, jumlah ibu yang "
    "dirujuk, serta keluhan yang masuk lewat kotak saran dan SP4N-LAPOR!.",
    "Angka itu dibahas dalam lokakarya mini bulanan puskesmas bersama kepala puskesmas, bidan koordinator, bidan "
    "desa dan perwakilan kader, lalu dipakai untuk memperbaiki jadwal dan pembagian tugas.",
    "Selama uji coba tiga bulan layanan ini berjalan tanpa aplikasi baru: cukup WhatsApp Business, lembar kerja "
    "bersama dan satu telepon genggam layanan milik puskesmas.",
    "Bila uji coba berhasil, puskesmas mengusulkan penetapan inovasi dengan Keputusan Kepala Dinas Kesehatan dan "
    "menawarkan caranya kepada puskesmas lain di Kabupaten Purbalingga.",
    "Biaya terbesar adalah pulsa dan kuota internet, pelatihan singkat bagi kader, serta pencetakan kartu jadwal "
    "yang dibawa pulang oleh setiap ibu hamil.",
    "Dengan cara ini ibu hamil tidak lagi berangkat subuh untuk mengambil nomor antrean, dan petugas dapat "
    "memberikan waktu konsultasi yang lebih panjang kepada setiap ibu.",
]


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("LAB_JOURNEY_SHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _phone(browser, shots: Path):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="id-ID")
    return context, Watch(context, shots)


def _desk(browser, shots: Path):
    context = browser.new_context(viewport=DESK, locale="id-ID")
    return context, Watch(context, shots)


def _open(page, stage: str, owner: str) -> None:
    """From the team's home page, the worksheet's own button."""
    page.locator(f"#ws-{stage}-{owner} a.button").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/lembar/{stage}/{owner}")


def _save(page) -> None:
    page.locator("form:has(input[name=_hash]) button[type=submit]").click()
    page.wait_for_load_state()


def _saved(page, watch: Watch) -> None:
    assert page.url.endswith("?pesan=tersimpan"), page.locator("main").inner_text()
    assert page.locator(".notice").inner_text() == "Tersimpan."
    assert page.locator("[aria-invalid=true]").count() == 0
    watch.look(page)


def _fill(page, values: dict[str, str]) -> None:
    for name, value in values.items():
        page.locator(f'[name="{name}"]').fill(value)


def _run_from_page(page) -> None:
    """The facilitator presses "Jalankan sekarang" and waits for the run's exit code on the page."""
    page.locator("#run button").click()
    assert "Lab sedang dijalankan" in page.locator(".notice").inner_text()
    # the page reloads itself while the run goes (no JavaScript); a cold `lab run` starts Prefect first
    page.locator("#run .meta", has_text="kode keluar").wait_for(timeout=RUN)
    assert "kode keluar 0" in page.locator("#run .meta").inner_text(), page.locator("#run").inner_text()


def test_a_cohort_goes_from_roster_to_a_scored_showcase_in_the_browser(tmp_path, browser, shots):
    port = free_port()
    root = make_cohort(tmp_path, port)
    lab("run", str(root))  # the drum-up worksheets
    link = links(root)
    assert {PUSKESMAS, DPMPTSP, FACILITATOR, *COORDINATORS} <= set(link)
    assert all(url.startswith(f"http://127.0.0.1:{port}/l/") for url in link.values())

    with serving(root, port) as base:
        phone, tw = _phone(browser, shots)
        desk, fw = _desk(browser, shots)
        team, facilitator = phone.new_page(), desk.new_page()

        # 1. drum-up on a phone: a date as people write it, refused beside its field, fixed, saved
        team.goto(link[PUSKESMAS])
        assert team.url == f"{base}/"  # the token left the address bar
        assert team.locator("h1").inner_text() == "Lembar kerja tim"
        tw.look(team, "team-home")
        _open(team, "drum-up", PUSKESMAS)
        _fill(team, {
            "signatory": "dr. Sri Wahyuni", "signatory_position": "Kepala Puskesmas Karangreja",
            "commitment_date": "31/02/2026",
            "service_areas": "Pemeriksaan ibu hamil (ANC)\nImunisasi dasar\nPosyandu balita",
            "members.1.name": "drg. Wahyu Hidayat", "members.1.role": "Ketua",
            "members.1.email": "wahyu.hidayat@purbalinggakab.example",
            "members.2.name": "Sri Handayani, Amd.Keb", "members.2.role": "Bidan koordinator",
            "members.3.name": "Agus Pranoto, SKM", "members.3.role": "Pengelola data",
        })  # fmt: skip
        team.locator("[name=committed][value=yes]").check()
        tw.look(team, "team-drum-up")
        _save(team)
        tw.answered(422)  # kept as the team's draft, with its problems
        date = team.locator("#f-commitment_date")
        assert "perlu diperbaiki" in team.locator(".notice.problem").inner_text()
        assert date.locator("input").get_attribute("aria-invalid") == "true"
        assert date.locator("input").input_value() == "31/02/2026"  # nothing typed is lost
        reason = date.locator(".problems").inner_text()
        assert reason.startswith(
            'Tanggal penandatanganan komitmen: "31/02/2026" belum terbaca sebagai tanggal'
        )  # no {#anchor}
        assert "TTTT-BB-HH" in reason  # the form the sheet's own hint names
        field, problem = date.locator("input").bounding_box(), date.locator(".problems").bounding_box()
        assert 0 <= problem["y"] - (field["y"] + field["height"]) < 60  # right under the input
        assert team.locator(".problems").count() == 1  # and nowhere else
        tw.look(team, "team-drum-up-problem")
        team.locator('[name="commitment_date"]').fill("2026-03-10")
        _save(team)
        _saved(team, tw)

        # 2. the facilitator runs the lab from the page: the team commits, diagnose opens
        facilitator.goto(link[FACILITATOR])
        assert facilitator.url == f"{base}/"
        _run_from_page(facilitator)
        fw.look(facilitator, "facilitator-home")
        assert status(root)["states"]["teams"]["committed"] == 1

        # 3. diagnose: readiness, one problem and two ideas, one of them forward
        team.goto(f"{base}/")
        assert "selesai" in team.locator(f"#ws-drum-up-{PUSKESMAS}").inner_text()
        _open(team, "diagnose", PUSKESMAS)
        _fill(team, {
            "readiness_leadership": "4", "readiness_culture": "3", "readiness_resources": "3",
            "readiness_data": "2", "readiness_collaboration": "4",
            "problems.1.title": "Antrean pemeriksaan ibu hamil panjang",
            "problems.1.data": "Rata-rata 95 menit menunggu; 38 dari 120 ibu hamil tidak kembali untuk K4 (2025).",
            "problems.1.affected": "Ibu hamil di 12 desa wilayah kerja",
            "problems.1.causes": "Satu loket pendaftaran untuk semua pasien\nTidak ada jadwal kunjungan\n"
                                 "Ibu datang subuh untuk nomor antrean",
            "problems.1.urgency": "5", "problems.1.impact": "5", "problems.1.feasibility": "4",
            "ideas.1.title": "PUSPITA (Pelayanan Ibu Hamil Tanpa Antre)",
            "ideas.1.description": "Pendaftaran ANC lewat WhatsApp dengan jadwal kunjungan per jam.",
            "ideas.1.problem": "1", "ideas.1.target_users": "Ibu hamil",
            "ideas.2.title": "Kelas Ibu Hamil Keliling",
            "ideas.2.description": "Kelas ibu hamil bergilir di balai desa.",
            "ideas.2.problem": "1", "ideas.2.target_users": "Ibu hamil dan keluarga",
        })  # fmt: skip
        team.locator('[name="ideas.1.forward"][value=yes]').check()
        team.locator('[name="ideas.2.forward"][value=no]').check()
        _save(team)
        _saved(team, tw)
        tw.look(team, "team-diagnose")
        lab("run", str(root))
        (code,) = [c for c, s in states(root).items() if s == "shortlisted"]

        # 4. design: the PP 38/2017 proposal and the action plan
        team.goto(f"{base}/")
        _open(team, "design", code)
        design = " ".join(DESIGN)
        assert len(design.split()) >= 300
        _fill(team, {
            "title": "PUSPITA (Pelayanan Ibu Hamil Tanpa Antre)",
            "problem": "Antrean pemeriksaan ibu hamil panjang; ibu tidak kembali untuk kunjungan berikutnya.",
            "design": design,
            "main_changes": "Pendaftaran lewat WhatsApp sehari sebelumnya; kunjungan terjadwal per jam.",
            "objectives": "Memangkas waktu tunggu ibu hamil dan menaikkan kunjungan K4.",
            "benefits": "Ibu hamil hemat waktu; bidan punya waktu konsultasi lebih panjang.",
            "expected_results": "Waktu tunggu di bawah 20 menit; cakupan K4 naik menjadi 95%.",
            "trial_start": "2026-05-04", "implementation_start": "2026-08-03", "budget": "12500000",
            "milestones.1.what": "Pelatihan kader dan bidan desa", "milestones.1.owner": "Bidan koordinator",
            "milestones.1.due": "2026-04-30",
            "milestones.2.what": "Uji coba di empat desa", "milestones.2.owner": "Ketua tim",
            "milestones.2.due": "2026-07-31",
        })  # fmt: skip
        for name, value in (("form", "public_service"), ("kind", "digital"), ("initiator", "agency")):
            team.locator(f'[name="{name}"][value="{value}"]').check()
        affair = team.locator('select[name="affair"]')  # 32 affairs: a drop-down, not a screen of radios
        assert affair.input_value() == ""
        affair.select_option(label="Kesehatan")
        for box in team.locator('[name="principles"]').all():
            box.check()
        _save(team)
        _saved(team, tw)
        tw.look(team, "team-design")
        lab("run", str(root))
        assert states(root)[code] == "designed"

        # 5. the facilitator returns the design with a note; the team sees it and revises
        facilitator.reload()
        queued = facilitator.locator(f"#q-{code}")
        assert "PUSPITA" in queued.inner_text()
        fw.look(facilitator, "facilitator-queue")
        note = "Tambahkan tahap evaluasi bulanan dan siapa yang mengukur waktu tunggu."
        queued.locator("textarea").fill(note)
        queued.locator("button[value=return]").click()
        assert "Keputusan tercatat" in facilitator.locator(".notice").inner_text()
        assert facilitator.locator(f"#q-{code}").count() == 0

        team.goto(f"{base}/")
        card = team.locator(f"#ws-design-{code}")
        assert "dikembalikan" in card.inner_text() and card.locator(".note").inner_text() == note
        tw.look(team, "team-home-returned")
        _open(team, "design", code)
        assert team.locator("p.note").inner_text() == note
        assert team.locator('[name="milestones.2.what"]').input_value() == "Uji coba di empat desa"
        assert team.locator('select[name="affair"]').input_value() == "health"
        _fill(team, {"milestones.3.what": "Evaluasi bulanan waktu tunggu", "milestones.3.owner": "Pengelola data",
                     "milestones.3.due": "2026-08-31"})  # fmt: skip
        _save(team)
        _saved(team, tw)
        lab("run", str(root))
        assert states(root)[code] == "designed"
        facilitator.reload()
        facilitator.locator(f"#q-{code} button[value=approve]").click()
        assert "Keputusan tercatat" in facilitator.locator(".notice").inner_text()
        assert states(root)[code] == "approved"
        lab("run", str(root))  # the deliver worksheet

        # 6. deliver: a PDF decree uploaded from the phone, listed with what it proves
        team.goto(f"{base}/")
        _open(team, "deliver", code)
        decree = tmp_path / "SK Kepala Dinkes PUSPITA 2026.pdf"
        decree.write_bytes(pdf("Keputusan Kepala Dinas Kesehatan Nomor 440/112/2026 tentang PUSPITA"))
        team.locator("#berkas").set_input_files(str(decree))
        team.locator("#bukti button[type=submit]").click()
        team.wait_for_load_state()
        assert team.locator(".notice").inner_text() == "Berkas tersimpan; daftarnya ada di bawah."
        kept = "sk-kepala-dinkes-puspita-2026.pdf"
        listed = team.locator("#bukti li")
        assert kept in listed.inner_text() and "belum disebut" in listed.inner_text()
        tw.look(team, "team-deliver-uploaded")
        _fill(team, {
            "launch_date": "2026-09-01", "launch_event": "Peluncuran oleh Bupati Purbalingga di Puskesmas Karangreja",
            "decree": "440/112/2026", "beneficiaries": "412",
            "results": "Waktu tunggu turun dari 95 menit menjadi 18 menit; 112 ibu hamil terdaftar lewat WhatsApp.",
            "measures.1.indicator": "Waktu tunggu pemeriksaan", "measures.1.before": "95 menit",
            "measures.1.after": "18 menit",
            "measures.2.indicator": "Cakupan K4", "measures.2.before": "68%", "measures.2.after": "91%",
            "evidence.1.file": kept, "evidence.1.proves": "Penetapan inovasi oleh Kepala Dinas Kesehatan",
        })  # fmt: skip
        team.locator('[name="decree_level"][value="agency_head"]').check()
        team.locator('[name="maturity"][value="trial"]').check()
        _save(team)
        _saved(team, tw)
        assert "Penetapan inovasi oleh Kepala Dinas Kesehatan" in team.locator("#bukti li").inner_text()
        assert (next(root.glob(f"teams/*/{code}/evidence")) / kept).read_bytes() == decree.read_bytes()
        tw.look(team, "team-deliver")
        lab("run", str(root))
        assert states(root)[code] == "launched"

        # 7. display, then the facilitator runs the lab from the page again: showcased
        team.goto(f"{base}/")
        _open(team, "display", code)
        _fill(team, {
            "summary": "Ibu hamil di Karangreja mendaftar pemeriksaan lewat WhatsApp dan datang pada jam yang "
                       "dijadwalkan: tidak ada lagi antrean subuh.",
            "highlights": "Waktu tunggu turun dari 95 menjadi 18 menit\nCakupan K4 naik dari 68% menjadi 91%",
            "contact": "drg. Wahyu Hidayat (wahyu.hidayat@purbalinggakab.example)",
        })  # fmt: skip
        _save(team)
        _saved(team, tw)
        tw.look(team, "team-display")
        facilitator.goto(f"{base}/")
        _run_from_page(facilitator)
        assert states(root)[code] == "showcased"
        team.goto(f"{base}/")
        tw.look(team, "team-home-done")

        # 8. each coordinator scores the innovation; the scoreboard shows it; every score in: reviewed
        watches = [tw, fw]
        for n, (who, scores) in enumerate(zip(COORDINATORS, ((8, 9, 7, 8, 9), (7, 8, 6, 9, 8)), strict=True)):
            context, cw = (_phone if n == 0 else _desk)(browser, shots)
            watches.append(cw)
            coordinator = context.new_page()
            coordinator.goto(link[who])
            assert coordinator.url == f"{base}/"
            item = coordinator.locator(f"#i-{code}")
            assert "PUSPITA" in item.inner_text() and "belum dinilai" in item.inner_text()
            cw.look(coordinator, f"coordinator{n + 1}-home")
            item.locator("a.button").click()
            coordinator.wait_for_load_state()
            assert "Rata-rata penilai lain tampil setelah" in coordinator.locator("main").inner_text()
            assert "antrean subuh" in coordinator.locator(".summary").inner_text()
            for criterion, score in zip(("novelty", "benefit", "collaboration", "replicability", "mastery"),
                                        scores, strict=True):  # fmt: skip
                coordinator.locator(f"#c-{criterion}").fill(str(score))
            coordinator.locator("#note").fill("Mudah ditiru puskesmas lain; perlu data K4 setahun penuh.")
            cw.look(coordinator, f"coordinator{n + 1}-score")
            coordinator.locator("form.card button[type=submit]").click()
            coordinator.wait_for_load_state()
            assert coordinator.url.endswith(f"/nilai/{code}?pesan=saved")
            means = coordinator.locator("#means").inner_text()
            assert f"Penilai\t{n + 1}" in means
            cw.look(coordinator, f"coordinator{n + 1}-scored")
            coordinator.goto(f"{base}/")
            assert "sudah dinilai" in coordinator.locator(f"#i-{code}").inner_text()
            board = coordinator.locator("#scoreboard").inner_text()
            assert code in board and "PUSPITA" in board
            cw.look(coordinator, f"coordinator{n + 1}-board")
            assert states(root)[code] == ("showcased" if n == 0 else "reviewed")
            context.close()

        assert states(root)[code] == "reviewed"
        facilitator.goto(f"{base}/")
        fw.look(facilitator, "facilitator-home-end")
        facilitator.goto(f"{base}/tautan")
        assert facilitator.locator(f"input[value='team:{PUSKESMAS}']").count() == 1
        fw.look(facilitator, "facilitator-links")
        for w in watches:
            w.check()
        phone.close()
        desk.close()


def test_a_teams_link_does_not_open_the_other_teams_worksheet(tmp_path, browser, shots):
    port = free_port()
    root = make_cohort(tmp_path, port)
    lab("run", str(root))
    link = links(root)
    with serving(root, port) as base:
        context, watch = _phone(browser, shots)
        page = context.new_page()
        page.goto(link[PUSKESMAS])
        assert page.locator(f"#ws-drum-up-{PUSKESMAS}").is_visible()
        assert page.locator(f"#ws-drum-up-{DPMPTSP}").count() == 0
        for path in (f"/lembar/drum-up/{DPMPTSP}", f"/lembar/drum-up/../drum-up/{DPMPTSP}"):
            response = page.goto(base + path)
            assert response.status == 404, path
            watch.answered(404)
            assert DPMPTSP not in page.content() and "Traceback" not in page.content()
            watch.look(page)
        assert page.goto(f"{base}/lembar/drum-up/{PUSKESMAS}").status == 200  # its own still opens
        watch.check()
        context.close()
