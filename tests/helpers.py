"""Reading receipts back the way a phone and a person would: rasterise the real PDF with
poppler's pdftoppm, decode the QR with zxing-cpp, extract the words with pdftotext."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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


def pdf_words_on_page(pdf: Path) -> list[str]:
    """Words whose whole box lies on the page, as printed paper shows them. Text that runs
    off the edge is left out (poppler drops it, or its box crosses the edge)."""
    result = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True
    )
    words: list[str] = []
    width = height = 0.0
    for line in result.stdout.splitlines():
        line = line.strip()
        if line.startswith("<page "):
            width = float(line.split('width="')[1].split('"')[0])
            height = float(line.split('height="')[1].split('"')[0])
        elif line.startswith("<word "):
            box = {
                k: float(line.split(f'{k}="')[1].split('"')[0])
                for k in ("xMin", "yMin", "xMax", "yMax")
            }
            if (
                box["xMin"] >= 0
                and box["yMin"] >= 0
                and box["xMax"] <= width
                and box["yMax"] <= height
            ):
                words.append(line.split(">", 1)[1].rsplit("<", 1)[0])
    return words


def pdf_page_size_mm(pdf: Path) -> tuple[float, float]:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True)
    for line in info.stdout.splitlines():
        if line.startswith("Page size:"):
            parts = line.split()
            return float(parts[2]) * 25.4 / 72, float(parts[4]) * 25.4 / 72
    raise AssertionError("no page size in pdfinfo output")


@contextmanager
def workbook(path: Path) -> Iterator[Any]:
    """``path`` opened by openpyxl read-only, and closed after: a read-only workbook keeps
    its file open until closed (the garbage collector's warning then fails another test)."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    try:
        yield book
    finally:
        book.close()
