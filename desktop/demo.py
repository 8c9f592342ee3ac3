"""Realistic Indonesian sample complaints (and SKM questionnaires) for training profiles and
benchmarks.

Texts are assembled from per-category templates with slots (places on the Java mudik routes,
times, amounts, plates), in the registers people really use at a post: formal, everyday, and
SMS-style with abbreviations and typos. Deterministic for a seed.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

from desktop.domain import ComplaintInput, ComplaintType
from desktop.survey.entry import SurveyInput
from posko.catalog import Catalog
from posko.survey import services, skm_2017

PLACES = [
    "Pelabuhan Merak",
    "Pelabuhan Bakauheni",
    "Gerbang Tol Cikampek Utama",
    "Tol Cipali KM 102",
    "Brebes Exit",
    "rest area KM 57",
    "rest area KM 207A",
    "Terminal Pulo Gebang",
    "Terminal Kampung Rambutan",
    "Terminal Tirtonadi Solo",
    "Terminal Giwangan",
    "Stasiun Pasar Senen",
    "Stasiun Gambir",
    "Stasiun Tawang Semarang",
    "Stasiun Yogyakarta",
    "Jalur Nagreg",
    "Pantura Tegal",
    "Simpang Jomin",
    "Gerbang Tol Kalikangkung",
    "Bundaran Cirebon",
    "Terminal Purabaya",
    "Pasar Rebo",
    "Stasiun Cirebon",
    "Pelabuhan Ketapang",
]
FIRST = [
    "Budi",
    "Siti",
    "Agus",
    "Dewi",
    "Rina",
    "Joko",
    "Wahyu",
    "Asep",
    "Ujang",
    "Neng",
    "Dadang",
    "Sri",
    "Bambang",
    "Putri",
    "Yusuf",
    "Rizky",
    "Fitri",
    "Hendra",
    "Lestari",
    "Andi",
    "Made",
    "Ketut",
    "Togar",
    "Rahmat",
    "Nurul",
    "Fajar",
    "Dimas",
    "Ayu",
    "Lina",
    "Hasan",
    "Ratna",
]
LAST = [
    "Santoso",
    "Rahmawati",
    "Hidayat",
    "Lestari",
    "Saputra",
    "Wijaya",
    "Siregar",
    "Nasution",
    "Simanjuntak",
    "Hutapea",
    "Permana",
    "Kusuma",
    "Setiawan",
    "Gunawan",
    "Tanjung",
    "Daeng",
    "Halim",
    "Tanoto",
    "Sembiring",
    "Firmansyah",
    "Nugroho",
    "Pratama",
    "Sutanto",
    "Anwar",
]
TIMES = ["subuh", "pagi", "siang", "sore", "malam", "dini hari", "jam 2 siang", "jam 10 malam"]

# category → (titles, descriptions); {p} place, {t} time, {n} number, {r} rupiah, {h} hours
TEMPLATES: dict[str, tuple[list[str], list[str]]] = {
    "TOL": (
        [
            "Antrean panjang di {p}",
            "Gardu tol {p} cuma dibuka sedikit",
            "Macet total di {p}",
            "Saldo e-toll error di {p}",
            "Toilet rest area kotor",
        ],
        [
            "Antrean kendaraan di {p} mengular hingga {n} km sejak {t}, "
            "hanya {k} gardu yang dibuka.",
            "sdh {h} jam gk gerak di {p}, petugas gk ada yg ngatur. tolong dibuka contraflow",
            "Kartu e-toll saya ditolak padahal saldo cukup, "
            "antrean di belakang jadi panjang di {p}.",
            "Toilet di rest area dekat {p} kotor bgt, air mati, antre {n} org lebih",
            "Mohon tambah petugas di {p}, kendaraan berhenti lama dan anak2 kepanasan di mobil.",
        ],
    ),
    "SPBU": (
        ["SPBU kehabisan BBM dekat {p}", "Antrean SPBU {p} panjang", "Takaran BBM kurang"],
        [
            "Pertalite habis di SPBU dekat {p} sejak {t}, antrean motor pemudik {n} meter.",
            "SPBU dkt {p} cm buka 2 dispenser, antre {h} jam. tdk ada info kapan stok dtg",
            "Saya isi Rp {r} tapi takarannya terasa kurang, mohon ditera ulang SPBU dekat {p}.",
        ],
    ),
    "TERMINAL": (
        ["Calo tiket di {p}", "Bus ngetem lama di {p}", "Jadwal bus tidak jelas"],
        [
            "Di {p} banyak calo menawarkan tiket Rp {r}, jauh di atas harga resmi.",
            "bus tujuan jawa tengah ngetem {h} jam di {p}, penumpang sdh penuh tp blm brgkt",
            "Papan jadwal di {p} tidak diperbarui, petugas informasi tidak ada di tempat.",
        ],
    ),
    "PELABUHAN": (
        ["Antrean kapal di {p}", "Tiket kapal online bermasalah", "Dermaga {p} penuh"],
        [
            "Antrean kendaraan menuju kapal di {p} lebih dari {h} jam "
            "tanpa informasi dari petugas.",
            "Sudah beli tiket online tp di {p} dibilang kuota penuh, hrs beli lagi?",
            "Ruang tunggu penumpang pejalan kaki di {p} penuh, banyak lansia berdiri.",
        ],
    ),
    "KERETA": (
        ["Kereta terlambat di {p}", "Tiket kereta mudik habis", "AC kereta mati"],
        [
            "Kereta dari {p} terlambat {h} jam, tidak ada pengumuman penyebabnya.",
            "tiket kereta mudik hbs dlm bbrp menit, tp di medsos ada yg jual lbh mahal Rp {r}",
            "AC gerbong ekonomi mati sejak berangkat dari {p}, penumpang kepanasan.",
        ],
    ),
    "BANDARA": (
        ["Penerbangan ditunda tanpa kompensasi", "Bagasi hilang"],
        [
            "Penerbangan saya ditunda {h} jam dan maskapai tidak memberi makan atau kompensasi.",
            "Bagasi saya tidak keluar di bandara, petugas hanya menyuruh menunggu tanpa kepastian.",
        ],
    ),
    "JALANRUSAK": (
        ["Jalan berlubang di {p}", "Jln rusak parah dekat {p}", "Aspal amblas"],
        [
            "Banyak lubang besar di jalur dekat {p}, sudah ada {n} motor jatuh {t} ini.",
            "jln rusak parah bgt dkt {p}, tdk ada rambu, bahaya buat pemudik motor malam2",
            "Aspal amblas di jalur {p}, kendaraan harus bergantian satu lajur.",
        ],
    ),
    "LALIN": (
        ["Rekayasa lalu lintas membingungkan", "Lampu lalu lintas mati di {p}", "Macet {p}"],
        [
            "Petunjuk one way di sekitar {p} tidak jelas, banyak kendaraan salah jalur.",
            "lampu merah di {p} mati dr {t}, semrawut, gk ada polisi",
            "Macet {h} jam di {p} karena pasar tumpah, mohon diatur.",
        ],
    ),
    "POSKES": (
        ["Pos kesehatan tutup", "Tidak ada ambulans di {p}"],
        [
            "Pos kesehatan mudik di {p} tutup saat {t}, padahal ada penumpang pingsan.",
            "Ada pemudik kecelakaan di dekat {p}, ambulans baru datang setelah {h} jam.",
        ],
    ),
    "KEAMANAN": (
        ["Pencopetan di {p}", "Pos polisi kosong", "Kendaraan dibobol"],
        [
            "Dompet saya dicopet di {p} saat {t}, pos polisi terdekat kosong.",
            "mobil saya dibobol waktu parkir di {p}, barang2 hilang, cctv katanya mati",
            "Pos pengamanan mudik di {p} tidak ada petugas sejak {t}.",
        ],
    ),
    "PUNGLI": (
        ["Pungli parkir di {p}", "Dimintai uang tanpa karcis", "Pungutan di jembatan timbang"],
        [
            "Juru parkir di {p} meminta Rp {r} tanpa karcis resmi.",
            "ada oknum minta duit Rp {r} buat lewat jalur alternatif dkt {p}, gk ada tanda terima",
            "Sopir truk diminta uang di jembatan timbang dekat {p} agar cepat lewat.",
        ],
    ),
    "HARGA": (
        ["Harga makanan di {p} tidak wajar", "Harga tiket naik berlipat"],
        [
            "Satu porsi nasi dan teh di {p} dihargai Rp {r}, tanpa daftar harga.",
            "harga tiket bus dr {p} naik 2x lipat jd Rp {r}, apa ada aturannya?",
        ],
    ),
    "ANGKUTAN": (
        ["Tarif angkutan tidak sesuai", "Travel gelap"],
        [
            "Tarif angkot dari {p} dinaikkan sepihak menjadi Rp {r} selama mudik.",
            "Banyak travel gelap berpelat hitam mengangkut penumpang di {p}, tidak laik jalan.",
        ],
    ),
    "BARANGHILANG": (
        ["Tas tertinggal di bus", "Dompet hilang di {p}"],
        [
            "Tas berisi dokumen tertinggal di bus dari {p}, mohon bantu dicarikan.",
            "dompet hilang di {p} isi KTP dan ATM, sdh lapor ke petugas tp blm ada kabar",
        ],
    ),
    "BANSOS": (
        ["Bantuan sosial tunai COVID-19 belum cair", "Bansos COVID salah sasaran"],
        [
            "Keluarga saya terdaftar penerima BST sejak pandemi tetapi belum menerima "
            "sejak {n} bulan lalu.",
            "bansos covid di desa kmi yg dpt malah yg mampu. mohon dicek datanya",
        ],
    ),
    "SOSIAL": (
        ["Bansos tidak diterima", "Data penerima bansos tidak tepat"],
        [
            "Keluarga saya terdaftar penerima PKH tetapi belum menerima sejak {n} bulan lalu.",
            "tetangga yg mampu dpt bansos, yg miskin malah gk dpt. mohon dicek datanya",
        ],
    ),
    "EKONOMI": (
        ["Usaha terdampak tidak dapat bantuan", "Pedagang kecil dilarang berjualan"],
        [
            "Usaha warung saya tutup karena pembatasan, bantuan modal belum cair.",
            "pedagang kecil di {p} diusir tp gk ada solusi tempat jualan",
        ],
    ),
    "PSBB": (
        ["Kerumunan tanpa masker di {p}", "Pelanggaran pembatasan"],
        [
            "Terjadi kerumunan di {p} tanpa jaga jarak dan masker, tidak ada petugas.",
            "bus di {p} penuh melebihi kapasitas, penumpang berdesakan",
        ],
    ),
    "KARANTINA": (
        ["Fasilitas karantina tidak layak", "Info isolasi mandiri tidak jelas"],
        [
            "Tempat karantina pemudik di dekat {p} tidak ada air bersih dan makanan terlambat.",
            "Tidak ada informasi jelas soal isolasi mandiri setelah tiba dari {p}.",
        ],
    ),
    "YANKES": (
        ["Tes kesehatan mahal", "Antrean layanan kesehatan panjang"],
        [
            "Biaya tes kesehatan di dekat {p} Rp {r}, di atas batas tarif yang diumumkan.",
            "antre {h} jam utk tes di {p}, petugas cuma 1",
        ],
    ),
    "HOAKS": (
        ["Kabar bohong penutupan jalur", "Pesan berantai tidak benar"],
        [
            "Beredar pesan berantai bahwa jalur {p} ditutup total, mohon klarifikasi resmi.",
            "ada info di grup WA katanya {p} ditutup, bener gk?",
        ],
    ),
    "ADMINDUK": (
        ["KTP-el belum jadi", "Pindah domisili sulit"],
        [
            "KTP-el saya belum jadi setelah {n} bulan, alasannya blangko habis.",
            "ngurus KK baru dipingpong antar kantor, sdh {n} kali bolak balik",
        ],
    ),
    "BPJS": (
        ["Kartu BPJS tidak aktif", "Ditolak rumah sakit"],
        [
            "Kartu BPJS Kesehatan saya tiba-tiba tidak aktif saat berobat di perjalanan mudik.",
            "ibu sy ditolak di faskes dekat {p} krn katanya bpjs hrs dr faskes asal",
        ],
    ),
    "LISTRIK": (
        ["Listrik padam di rest area", "Token listrik bermasalah"],
        [
            "Listrik padam di sekitar {p} sejak {t}, penerangan jalan mati.",
            "token listrik udh dibeli Rp {r} tp gk masuk2",
        ],
    ),
    "AIR": (
        ["Air bersih mati", "Air keruh"],
        ["Air di toilet umum {p} mati sejak {t}.", "air PDAM keruh dan bau sdh {n} hari"],
    ),
    "PENDIDIKAN": (
        ["Pungutan sekolah", "Ijazah ditahan"],
        [
            "Sekolah anak saya meminta sumbangan Rp {r} yang diwajibkan.",
            "ijazah anak ditahan sekolah krn blm lunas",
        ],
    ),
    "LAINNYA": (
        ["Pelayanan petugas kurang ramah", "Saran untuk posko mudik"],
        [
            "Petugas di {p} kurang ramah saat ditanya arah, mohon dibina.",
            "Posko mudik di {p} sangat membantu, mohon tiap tahun ada dan ditambah kursi tunggu.",
        ],
    ),
}
ASPIRATIONS = [
    "Mohon ditambah rest area dan toilet di sepanjang jalur {p}.",
    "Saran: informasi kepadatan {p} disiarkan di radio setiap jam.",
    "Usul agar tiket mudik gratis ditambah kuotanya untuk keberangkatan dari {p}.",
]
QUESTIONS = [
    "Apakah ada jadwal mudik gratis dari {p} tahun ini?",
    "Kapan ganjil genap diberlakukan di jalur {p}?",
    "Di mana pos kesehatan terdekat dari {p}?",
]
WEIGHT_MUDIK = 6


def _phone(rng: random.Random) -> str:
    prefix = rng.choice(["0812", "0813", "0821", "0852", "0857", "0878", "0896", "0838"])
    digits = "".join(rng.choice("0123456789") for _ in range(rng.choice((7, 8))))
    style = rng.random()
    if style < 0.4:
        return prefix + digits
    if style < 0.7:
        return f"{prefix}-{digits[:4]}-{digits[4:]}"
    return f"+62 {prefix[1:]} {digits[:4]} {digits[4:]}"


def _fill(text: str, rng: random.Random, place: str) -> str:
    return text.format(
        p=place,
        t=rng.choice(TIMES),
        n=rng.randint(2, 15),
        k=rng.randint(1, 3),
        h=rng.randint(2, 9),
        r=f"{rng.randint(2, 60) * 5_000:,}".replace(",", "."),
    )


def demo_complaints(
    count: int, seed: int, now: datetime, catalog: Catalog
) -> Iterator[tuple[ComplaintInput, datetime]]:
    rng = random.Random(seed)
    chosen = [c for c in catalog.categories if c.code in TEMPLATES]
    codes = [c.code for c in chosen]
    weights = [WEIGHT_MUDIK if c.group == "mudik" else 1 for c in chosen]
    for _ in range(count):
        code = rng.choices(codes, weights)[0]
        titles, bodies = TEMPLATES[code]
        place = rng.choice(PLACES)
        roll = rng.random()
        if roll < 0.1:
            kind, title = ComplaintType.ASPIRASI, "Saran untuk layanan mudik"
            description = _fill(rng.choice(ASPIRATIONS), rng, place)
        elif roll < 0.18:
            kind, title = ComplaintType.INFORMASI, "Pertanyaan layanan mudik"
            description = _fill(rng.choice(QUESTIONS), rng, place)
        else:
            kind, title = ComplaintType.PENGADUAN, _fill(rng.choice(titles), rng, place)
            description = _fill(rng.choice(bodies), rng, place)
        if rng.random() < 0.3:
            description += " " + _fill(rng.choice(bodies), rng, place)
        created = now - timedelta(minutes=rng.randint(1, 60 * 24 * 21))
        has_name = rng.random() < 0.75
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}" if has_name else ""
        phone = _phone(rng) if rng.random() < 0.6 else ""
        email = (
            f"{name.split()[0].lower()}{rng.randint(1, 99)}@contoh.id"
            if name and rng.random() < 0.15
            else ""
        )
        occurred = created - timedelta(minutes=rng.randint(5, 600)) if rng.random() < 0.6 else None
        yield (
            ComplaintInput(
                type=kind,
                category=code,
                title=title[:150],
                description=description,
                location=place if rng.random() < 0.85 else "",
                occurred_at=occurred,
                reporter_name=name,
                phone=phone,
                email=email,
                anonymous=rng.random() < 0.2,
                confidential=rng.random() < 0.1,
            ),
            created,
        )


# What travellers write in the survey's saran box.
SUGGESTIONS = [
    "Toilet di rest area perlu dibersihkan lebih sering.",
    "Antrean loket terlalu lama, mohon tambah petugas saat arus puncak.",
    "Petugas ramah dan sigap, terima kasih.",
    "Papan petunjuk arah kurang jelas di malam hari.",
    "Mohon disediakan ruang laktasi dan tempat bermain anak.",
    "Info jadwal kapal sering berubah, tolong diumumkan lebih awal.",
    "mushola kurang luas pas jam sholat, jd antri lama",
    "Tarif parkir tidak sesuai dengan yg tertulis.",
]


def demo_survey(
    count: int, seed: int, now: datetime, service_codes: Sequence[str] = ()
) -> Iterator[SurveyInput]:
    """``count`` filled SKM questionnaires over the last two weeks: mostly satisfied, some
    elements left blank, a profile and now and then a suggestion. Deterministic for a seed."""
    rng = random.Random(seed)
    survey = skm_2017()
    codes = list(service_codes) or [s.code for s in services()]
    for _ in range(count):
        mood = rng.choice((2, 3, 3, 3, 4, 4))
        answers = {
            code: max(1, min(4, mood + rng.choice((-1, 0, 0, 1))))
            for code in survey.codes
            if rng.random() > 0.02
        } or {"U1": mood}
        profile = {
            q.code: rng.choice(q.options).code if rng.random() > 0.1 else "" for q in survey.profile
        }
        yield SurveyInput(
            service_code=rng.choice(codes),
            answers=answers,
            suggestion=rng.choice(SUGGESTIONS) if rng.random() < 0.25 else "",
            self_filled=rng.random() < 0.3,
            uuid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            created_at=now - timedelta(minutes=rng.randint(1, 60 * 24 * 14)),
            sex=profile.get("sex", ""),
            age_band=profile.get("age_band", ""),
            education=profile.get("education", ""),
            occupation=profile.get("occupation", ""),
        )
