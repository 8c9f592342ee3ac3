"""``posko survey import`` and ``posko survey report``, run as the operator runs them: the
real command on a real profile (SQLite in a temp dir), the CSV as a spreadsheet writes it."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_cli import posko
from tests.unit.test_survey import with_totals

HEADER = "U1,U2,U3,U4,U5,U6,U7,U8,U9"


@pytest.fixture
def desk(tmp_path: Path) -> list[str]:
    data = tmp_path / "desk"
    made = posko(
        "--data-dir", str(data), "setup", "--post-code", "MRK", "--post-name", "Merak",
        "--operator", "Siti", "--time-zone", "WIB",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    return ["--data-dir", str(data)]


def report(desk: list[str], *options: str) -> dict[str, object]:
    answer = posko(*desk, "survey", "report", "--json", *options)
    assert answer.returncode == 0, answer.stderr
    figures = json.loads(answer.stdout)
    assert isinstance(figures, dict)
    return figures


def test_paper_questionnaires_are_imported_once_and_scored(desk: list[str], tmp_path: Path) -> None:
    """As a spreadsheet set to Indonesian saves it: semicolons, a byte-order mark, headers
    in any case and order, ages in years, the sex written out."""
    sheet = tmp_path / "kuesioner.csv"
    sheet.write_text(
        "\ufefftanggal;Layanan;jenis_kelamin;usia;pendidikan;pekerjaan;"
        "u9;U8;U7;U6;U5;U4;U3;U2;U1;saran\n"
        "2026-11-30;PELABUHAN;Perempuan;34;sma;Swasta;4;4;4;4;4;4;4;4;4;Toilet bersih\n"
        "2026-11-30;pelabuhan;L;61;S1;;3;3;3;3;3;3;3;3;3;\n"
        "\n"
        # a saran holding the delimiter: the spreadsheet quotes it
        '2026-12-01;TERMINAL;;;;;2;2;2;2;2;2;2;;2;"Antrean loket; terlalu lama"\n',
        encoding="utf-8",
    )

    refused = posko(*desk, "survey", "import", str(sheet))
    assert refused.returncode == 1
    assert "baris 3, kolom pendidikan: Pendidikan: S1 bukan salah satu dari" in refused.stderr
    assert report(desk)["respondents"] == 0  # nothing of a file with a bad row

    sheet.write_text(sheet.read_text(encoding="utf-8").replace(";S1;", ";D4-S1;"))
    first = posko(*desk, "survey", "import", str(sheet))
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("3 kuesioner diimpor")
    again = posko(*desk, "survey", "import", str(sheet))
    assert again.returncode == 0 and again.stdout.startswith("0 kuesioner diimpor")
    assert "(3 sudah ada)" in again.stdout

    figures = report(desk)
    assert figures["respondents"] == 3
    nrr = figures["nrr"]
    assert isinstance(nrr, dict)
    assert nrr["U1"] == 3.0 and nrr["U2"] == 3.5  # U2 was left empty on the third row
    assert figures["suggestions"] == ["Toilet bersih", "Antrean loket; terlalu lama"]
    assert figures["totals"] == {**dict.fromkeys(nrr, 9), "U2": 7}
    assert figures["grid"][2] == [2, None, 2, 2, 2, 2, 2, 2, 2]
    services = figures["services"]
    assert isinstance(services, dict) and set(services) == {"PELABUHAN", "TERMINAL"}
    assert services["TERMINAL"]["ikm"] == 50.0 and services["TERMINAL"]["grade"] == "D"
    people = figures["demographics"]
    assert isinstance(people, dict)
    assert people["sex"] == {"L": 1, "P": 1, "": 1}
    assert people["age_band"]["26-35"] == 1 and people["age_band"]["56+"] == 1
    assert people["education"]["SMA"] == 1 and people["education"]["D4-S1"] == 1
    port = report(desk, "--service", "PELABUHAN")
    assert port["respondents"] == 2 and port["ikm"] == 87.5 and port["grade"] == "B"
    first_day = report(desk, "--from", "2026-11-30", "--to", "2026-11-30")
    assert first_day["respondents"] == 2


def test_the_published_example_through_the_command(desk: list[str], tmp_path: Path) -> None:
    rows = with_totals([105, 101, 100, 116, 102, 105, 106, 105, 115], 29)
    sheet = tmp_path / "contoh.csv"
    sheet.write_text(
        HEADER
        + ",layanan\n"
        + "".join(",".join(str(r[f"U{i}"]) for i in range(1, 10)) + ",REST-AREA\n" for r in rows),
        encoding="utf-8",
    )
    assert posko(*desk, "survey", "import", str(sheet)).returncode == 0
    figures = report(desk, "--population", "1000")
    assert figures["respondents"] == 29 and figures["ikm"] == 91.48 and figures["grade"] == "A"
    assert figures["sample"] == {
        "population": 1000,
        "minimum": 278,
        "collected": 29,
        "missing": 249,
    }
    text = posko(*desk, "survey", "report", "--population", "1000")
    assert "IKM 91.48 · mutu A (Sangat Baik)" in text.stdout
    assert "masih kurang: 249" in text.stdout


def test_every_problem_is_told_by_line_and_column(desk: list[str], tmp_path: Path) -> None:
    sheet = tmp_path / "salah.csv"
    sheet.write_text(
        "U1,U2,U3,U4,U5,U6,U7,U8,U9,layanan,tanggal,sarann\n4,4,4,4,4,4,4,4,4,SPBU,2026-11-30,\n",
        encoding="utf-8",
    )
    unknown = posko(*desk, "survey", "import", str(sheet))
    assert unknown.returncode == 1
    assert "baris 1, kolom sarann: kolom tidak dikenal" in unknown.stderr

    sheet.write_text(
        "U1,U2,U3,U4,U5,U6,U7,U8,U9,layanan,tanggal,jenis_kelamin\n"
        "5,4,4,4,4,4,4,4,4,SPBU,2026-11-30,L\n"  # a 5
        "4,4,4,4,4,4,4,4,4,GEREJA,30-11-2026,X\n"  # unknown service, date, sex
        ",,,,,,,,,SPBU,,\n"  # nothing answered
        "4,4,4\n"  # too few cells
        "4,4,4,4,4,4,4,4,4,SPBU,2099-01-01,P\n",  # the future
        encoding="utf-8",
    )
    bad = posko(*desk, "survey", "import", str(sheet))
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    told = bad.stderr
    assert "Tidak ada yang diimpor dari" in told
    assert "baris 2, kolom U1: jawabannya 1, 2, 3 atau 4 (atau kosong)." in told
    assert "baris 3, kolom layanan: GEREJA bukan layanan yang disurvei di sini." in told
    assert "baris 3, kolom tanggal: tanggal ditulis TTTT-BB-HH." in told
    assert "baris 3, kolom jenis_kelamin:" in told
    assert "baris 4: tidak ada pertanyaan yang dijawab." in told
    assert "baris 5: 3 sel, padahal kepala tabel punya 12." in told
    assert "baris 6, kolom tanggal: tanggalnya di masa depan." in told
    assert report(desk)["respondents"] == 0

    for content, message in [
        (b"", "Berkas kosong"),
        (b"\xff\xfeU\x001\x00", "bukan teks UTF-8"),
        (b"nama,alamat\nBudi,Jl. Merdeka\n", "tidak ada kolom jawaban"),
        (b"U1,U2,layanan\n", "hanya kepala tabel"),
        (b"U1,U2\n4,4\n", "--service"),
    ]:
        sheet.write_bytes(content)
        answer = posko(*desk, "survey", "import", str(sheet))
        assert answer.returncode == 1 and message in answer.stderr, (content, answer.stderr)
    missing = posko(*desk, "survey", "import", str(tmp_path / "tidak-ada.csv"))
    assert missing.returncode == 1 and "tidak dapat dibaca" in missing.stderr


def test_report_options_are_checked(desk: list[str]) -> None:
    backwards = posko(*desk, "survey", "report", "--from", "2026-12-02", "--to", "2026-12-01")
    assert backwards.returncode == 2 and "--to" in backwards.stderr
    unknown = posko(*desk, "survey", "report", "--service", "GEREJA")
    assert unknown.returncode == 2 and "REST-AREA" in unknown.stderr
    bad_day = posko(*desk, "survey", "report", "--from", "30-11-2026")
    assert bad_day.returncode == 2 and "TTTT-BB-HH" in bad_day.stderr
    empty = posko(*desk, "survey", "report")
    assert empty.returncode == 0 and "Belum ada jawaban" in empty.stdout


def test_a_post_surveys_its_own_services(desk: list[str], tmp_path: Path) -> None:
    wrong = posko(*desk, "setup", "--post-code", "MRK", "--post-name", "Merak",
                  "--operator", "Siti", "--survey-services", "PELABUHAN,GEREJA")  # fmt: skip
    assert wrong.returncode == 1 and "GEREJA: bukan layanan" in wrong.stderr
    chosen = posko(*desk, "setup", "--post-code", "MRK", "--post-name", "Merak",
                   "--operator", "Siti", "--survey-services", "pelabuhan, rest-area")  # fmt: skip
    assert chosen.returncode == 0, chosen.stderr
    sheet = tmp_path / "dua.csv"
    sheet.write_text(HEADER + ",layanan\n" + "4,4,4,4,4,4,4,4,4,SPBU\n", encoding="utf-8")
    refused = posko(*desk, "survey", "import", str(sheet))
    assert "baris 2, kolom layanan: SPBU bukan layanan yang disurvei di sini." in refused.stderr
    sheet.write_text(HEADER + ",layanan\n" + "4,4,4,4,4,4,4,4,4,REST-AREA\n", encoding="utf-8")
    assert posko(*desk, "survey", "import", str(sheet)).returncode == 0


def test_an_oversized_file_is_refused_unread(desk: list[str], tmp_path: Path) -> None:
    """A file past 20 MB (a wrong file chosen, or one made to exhaust the laptop) is refused
    before it is parsed, and nothing is imported."""
    sheet = tmp_path / "besar.csv"
    row = "4,4,4,4,4,4,4,4,4,SPBU\n"
    sheet.write_text(HEADER + ",layanan\n" + row * (21 * 2**20 // len(row)), encoding="utf-8")
    answer = posko(*desk, "survey", "import", str(sheet))
    assert answer.returncode == 1 and "Berkas lebih besar dari 20 MB." in answer.stderr
    assert report(desk)["respondents"] == 0


def test_the_posts_own_questions_are_set_imported_and_reported_apart(
    desk: list[str], tmp_path: Path
) -> None:
    definition = Path(__file__).parent.parent / "data" / "survey-extra.json"
    broken = tmp_path / "broken.json"
    broken.write_text('{"questions": [{"code": "U9", "kind": "text", "name": "x"}]}')
    refused = posko(*desk, "survey", "questions", "--set", str(broken))
    assert refused.returncode == 1
    assert "tidak ada yang diubah" in refused.stderr
    assert "Pertanyaan 1 (U9): kode ini sudah dipakai." in refused.stderr
    assert "menanyakan" in posko(*desk, "survey", "questions").stdout  # still none

    chosen = posko(*desk, "survey", "questions", "--set", str(definition))
    assert chosen.returncode == 0, chosen.stderr
    assert "TOILET (skala 1-4): Kebersihan toilet" in chosen.stdout
    assert "INFO (pilihan): Dari mana Anda tahu posko ini?" in chosen.stdout

    sheet = tmp_path / "kertas.csv"
    sheet.write_text(
        f"layanan,{HEADER},toilet,Info,USUL\n"
        "PELABUHAN,4,4,4,4,4,4,4,4,4,1,spanduk,Mushola\n"
        "PELABUHAN,4,4,4,4,4,4,4,4,4,2,,\n"
        "PELABUHAN,4,4,4,4,4,4,4,4,4,7,RADIO,\n",
        encoding="utf-8",
    )
    bad = posko(*desk, "survey", "import", str(sheet))
    assert bad.returncode == 1
    assert "baris 4, kolom toilet: Kebersihan toilet: 7 bukan salah satu dari" in bad.stderr
    assert "baris 4, kolom Info: Dari mana Anda tahu posko ini?: RADIO" in bad.stderr
    sheet.write_text(sheet.read_text().replace(",7,RADIO,", ",,,"))
    assert posko(*desk, "survey", "import", str(sheet)).returncode == 0

    figures = report(desk)
    assert figures["respondents"] == 3 and figures["ikm"] == 100.0  # the SKM's alone
    own = figures["extra"]
    assert isinstance(own, dict)
    assert own["TOILET"]["mean"] == 1.5 and own["TOILET"]["answered"] == 2
    assert own["INFO"]["counts"] == {"SPANDUK": 1, "MEDSOS": 0, "PETUGAS": 0}
    assert own["USUL"]["texts"] == ["Mushola"]
    text = posko(*desk, "survey", "report").stdout
    assert "Pertanyaan posko sendiri (tidak masuk IKM):" in text
    assert "TOILET Kebersihan toilet: 2 menjawab, rata-rata 1.50" in text

    cleared = posko(*desk, "survey", "questions", "--clear")
    assert cleared.stdout.strip() == "Posko tidak menanyakan pertanyaannya sendiri."
    assert report(desk)["extra"] == {}  # the answers stay stored; no question reports them


# -- the report as files --------------------------------------------------------------------

PUBLISHED = [105, 101, 100, 116, 102, 105, 106, 105, 115]  # 29 respondents: IKM 91.48, A


def published_example(desk: list[str], tmp_path: Path, times: int = 1) -> dict[str, object]:
    """The published example's figures, each questionnaire ``times`` over (the same NRRs),
    two of them with a suggestion; what ``--json`` says of it."""
    rows = with_totals([total * times for total in PUBLISHED], 29 * times)
    suggestions = ["Toilet dibersihkan lebih sering", '=HYPERLINK("http://contoh")']
    lines = [
        ",".join(str(row[f"U{i}"]) for i in range(1, 10))
        + f",REST-AREA,{suggestions[n] if n < len(suggestions) else ''}\n"
        for n, row in enumerate(rows)
    ]
    sheet = tmp_path / "contoh.csv"
    sheet.write_text(HEADER + ",layanan,saran\n" + "".join(lines), encoding="utf-8")
    assert posko(*desk, "survey", "import", str(sheet)).returncode == 0
    figures = report(desk, "--population", "1000")
    assert figures["ikm"] == 91.48 and figures["grade"] == "A"
    return figures


def test_the_workbook_holds_the_json_figures(desk: list[str], tmp_path: Path) -> None:
    from openpyxl import load_workbook

    figures = published_example(desk, tmp_path)
    target = tmp_path / "skm.xlsx"
    written = posko(*desk, "survey", "report", "--population", "1000", "--xlsx", str(target))
    assert written.returncode == 0, written.stderr
    assert str(target) in written.stdout
    book = load_workbook(target)
    assert len(book.sheetnames) == 4 and "Saran" in book.sheetnames
    summary, grid, profile, suggestions = (book[name] for name in book.sheetnames)
    by_label: dict[object, tuple[Any, ...]] = {}
    for row in summary.iter_rows():  # the element table first, the weakest below it
        by_label.setdefault(row[0].value, row)
    assert by_label["IKM"][1].value == figures["ikm"]
    nrr, weighted = figures["nrr"], figures["weighted_nrr"]
    assert isinstance(nrr, dict) and isinstance(weighted, dict)
    for code in nrr:
        assert by_label[code][4].value == nrr[code] and by_label[code][5].value == weighted[code]
    assert by_label["U1"][1].value == "Persyaratan"
    assert any(row[1].value == "Sangat Baik" for row in summary.iter_rows())
    answers = [row for row in grid.iter_rows(values_only=True) if isinstance(row[0], int)]
    assert [list(row[1:]) for row in answers] == figures["grid"]
    assert profile.max_row > 1
    typed = [row[1] for row in suggestions.iter_rows(min_row=2)]
    assert [cell.value for cell in typed] == figures["suggestions"]
    assert all(cell.data_type == "s" for cell in typed)  # "=HYPERLINK(...)" stays text


def test_the_pdf_reads_like_a_published_report(desk: list[str], tmp_path: Path) -> None:
    from tests.helpers import pdf_text

    published_example(desk, tmp_path, times=5)  # 145 respondents: a grid of several pages
    target = tmp_path / "skm.pdf"
    written = posko(*desk, "survey", "report", "--population", "1000", "--pdf", str(target))
    assert written.returncode == 0, written.stderr
    pages = tmp_path / "pages"
    pages.mkdir()
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(target), f"{pages}/p"], check=True)
    rendered = sorted(pages.glob("p-*.png"))
    assert len(rendered) >= 4
    text = pdf_text(target)
    assert "91,48" in text and "Sangat Baik" in text  # the Indonesian decimal comma
    assert "Penanganan pengaduan, saran dan masukan" in text
    assert "Toilet dibersihkan lebih sering" in text
    assert "Posko Merak" not in text and "Merak (MRK)" in text
    header = "U1 U2 U3 U4 U5 U6 U7 U8 U9"
    assert text.count(header) >= 3  # the grid's header on each of its pages


def test_a_failed_write_leaves_no_file(desk: list[str], tmp_path: Path) -> None:
    published_example(desk, tmp_path)
    missing = tmp_path / "tidak-ada" / "skm.pdf"
    answer = posko(*desk, "survey", "report", "--pdf", str(missing))
    assert answer.returncode == 1 and str(missing.parent) in answer.stderr
    assert "Traceback" not in answer.stderr and not missing.parent.exists()

    # Refused at the very end: the whole workbook was written, then the rename fails.
    taken = tmp_path / "folder.xlsx"
    taken.mkdir()
    answer = posko(*desk, "survey", "report", "--xlsx", str(taken))
    assert answer.returncode == 1 and str(taken) in answer.stderr
    assert "Traceback" not in answer.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []

    # A folder that takes no new file: read-only bits, or for root (whom they do not stop)
    # sysfs, which refuses new files to everyone.
    readonly = tmp_path / "hanya-baca"
    readonly.mkdir()
    readonly.chmod(0o555)
    if os.geteuid() == 0:
        readonly = Path("/sys/kernel")
    answer = posko(*desk, "survey", "report", "--pdf", str(readonly / "skm.pdf"))
    assert answer.returncode == 1 and str(readonly / "skm.pdf") in answer.stderr
    assert "Traceback" not in answer.stderr and not (readonly / "skm.pdf").exists()


def test_one_output_and_this_desks_post(desk: list[str], tmp_path: Path) -> None:
    both = posko(*desk, "survey", "report", "--json", "--pdf", str(tmp_path / "r.pdf"))
    assert both.returncode == 2 and "not allowed with" in both.stderr
    assert not (tmp_path / "r.pdf").exists()
    figures = published_example(desk, tmp_path)
    own = report(desk, "--post", "mrk", "--population", "1000")
    assert own["selection"]["post"] == "MRK"
    assert {k: v for k, v in own.items() if k != "selection"} == {
        k: v for k, v in figures.items() if k != "selection"
    }
    other = posko(*desk, "survey", "report", "--post", "BKH", "--pdf", str(tmp_path / "r.pdf"))
    assert other.returncode == 2 and "MRK" in other.stderr and "BKH" in other.stderr
    assert not (tmp_path / "r.pdf").exists()


def _standee(desk: list[str], target: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return posko(*desk, "survey", "standee", "--pdf", str(target), *options)


@pytest.fixture
def connected(tmp_path: Path) -> list[str]:
    """A desk set up with a central system, surveying two services."""
    data = tmp_path / "connected"
    made = posko(
        "--data-dir", str(data), "setup", "--post-code", "MRK-01",
        "--post-name", "Posko Pelabuhan Merak", "--operator", "Siti",
        "--central-url", "https://posko-mudik.id/", "--survey-services", "PELABUHAN,REST-AREA",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    return ["--data-dir", str(data)]


@pytest.mark.parametrize("paper", ["a4", "a5"])
def test_the_standee_opens_the_phone_survey(
    connected: list[str], tmp_path: Path, paper: str
) -> None:
    """The QR code read back from the printed page is the survey page of this post and
    service; the sheet names them, and its address is the page without the scheme."""
    from tests.helpers import pdf_page_size_mm, pdf_qr_codes, pdf_text

    target = tmp_path / f"standee-{paper}.pdf"
    written = _standee(connected, target, "--service", "pelabuhan", "--paper", paper)
    assert written.returncode == 0, written.stderr
    url = "https://posko-mudik.id/survei/MRK-01/PELABUHAN"
    assert pdf_qr_codes(target) == [url]
    text = pdf_text(target)
    assert "Survei Kepuasan Masyarakat" in text and "Pelabuhan penyeberangan" in text
    assert "Posko Pelabuhan Merak (MRK-01)" in text
    assert "posko-mudik.id/survei/MRK-01/PELABUHAN" in text and "https://" not in text
    width, height = pdf_page_size_mm(target)
    assert (round(width), round(height)) == ((210, 297) if paper == "a4" else (148, 210))
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_the_standee_qr_is_at_least_8_cm_wide_on_a4(connected: list[str], tmp_path: Path) -> None:
    """Measured on the rendered page where the decoder found the code (its corners)."""
    import zxingcpp
    from PIL import Image

    target = tmp_path / "standee.pdf"
    assert _standee(connected, target, "--service", "PELABUHAN").returncode == 0
    dpi = 100
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(target), f"{tmp_path}/p"], check=True)
    with Image.open(next(tmp_path.glob("p-*.png"))) as page:
        (found,) = zxingcpp.read_barcodes(page)
    width_px = found.position.top_right.x - found.position.top_left.x
    assert width_px / dpi * 25.4 >= 80


def test_no_standee_without_a_central_system(desk: list[str], tmp_path: Path) -> None:
    target = tmp_path / "standee.pdf"
    answer = _standee(desk, target, "--service", "PELABUHAN")
    assert answer.returncode == 1 and "posko setup --central-url" in answer.stderr
    assert "Traceback" not in answer.stderr and not target.exists()


def test_the_standee_is_of_a_service_surveyed_here(connected: list[str], tmp_path: Path) -> None:
    target = tmp_path / "standee.pdf"
    for code in ("SPBU", "GEREJA"):  # a service not surveyed at this post; no service at all
        answer = _standee(connected, target, "--service", code)
        assert answer.returncode == 2 and f"{code} bukan layanan" in answer.stderr
        assert "REST-AREA, PELABUHAN." in answer.stderr and not target.exists()


def test_an_unwritable_standee_leaves_no_file(connected: list[str], tmp_path: Path) -> None:
    missing = tmp_path / "tidak-ada" / "standee.pdf"
    answer = _standee(connected, missing, "--service", "PELABUHAN")
    assert answer.returncode == 1 and str(missing.parent) in answer.stderr
    assert not missing.parent.exists()
    readonly = tmp_path / "hanya-baca"
    readonly.mkdir()
    readonly.chmod(0o555)
    if os.geteuid() == 0:  # read-only bits do not stop root; sysfs takes no new file
        readonly = Path("/sys/kernel")
    answer = _standee(connected, readonly / "standee.pdf", "--service", "PELABUHAN")
    assert answer.returncode == 1 and str(readonly / "standee.pdf") in answer.stderr
    assert "Traceback" not in answer.stderr and not (readonly / "standee.pdf").exists()
