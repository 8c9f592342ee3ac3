"""Reading receipts back the way a phone and a person would: rasterise the real PDF with
poppler's pdftoppm, decode the QR with zxing-cpp, extract the words with pdftotext."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import zxingcpp
from PIL import Image


def pdf_qr_codes(pdf: Path, dpi: int = 200) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), f"{tmp}/page"], check=True)
        texts: list[str] = []
        for page in sorted(Path(tmp).glob("page*.png")):
            with Image.open(page) as image:
                texts.extend(b.text for b in zxingcpp.read_barcodes(image))
        return texts


def pdf_text(pdf: Path) -> str:
    """The words of the PDF in reading order, whitespace (and line wrapping) collapsed."""
    result = subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
    )
    return " ".join(result.stdout.split())


def pdf_page_size_mm(pdf: Path) -> tuple[float, float]:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True)
    for line in info.stdout.splitlines():
        if line.startswith("Page size:"):
            parts = line.split()
            return float(parts[2]) * 25.4 / 72, float(parts[4]) * 25.4 / 72
    raise AssertionError("no page size in pdfinfo output")
