"""Lay a ``ReceiptContent`` out on paper: thermal rolls (58/80 mm, page as long as the
receipt) or sheets (A6/A4). The same painting code serves PDF files and system printers, so
what the preview shows is what the printer gets."""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QMarginsF, QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QImage,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPaintDevice,
    QPainter,
    QPdfWriter,
    QPen,
)

from desktop.domain import PaperSize
from desktop.receipt import ReceiptContent

log = logging.getLogger("posko.print")

MM_PER_INCH = 25.4
PDF_DPI = 300
FONT_FAMILY = "DejaVu Sans"


class PrintError(RuntimeError):
    """The receipt could not be written or printed (disk full, printer gone)."""


@dataclass(frozen=True)
class PaperSpec:
    width_mm: float
    height_mm: float | None  # None: a roll, as long as the receipt
    margin_mm: float
    content_width_mm: float
    scale: float  # font scale relative to the 58 mm roll
    qr_mm: float


PAPER: dict[PaperSize, PaperSpec] = {
    PaperSize.THERMAL_58: PaperSpec(58, None, 4, 48, 1.0, 34),
    PaperSize.THERMAL_80: PaperSpec(80, None, 4, 70, 1.2, 44),
    PaperSize.A6: PaperSpec(105, 148, 7, 91, 1.05, 38),
    PaperSize.A4: PaperSpec(210, 297, 20, 120, 1.5, 60),
}


def ensure_gui_application() -> QGuiApplication:
    """Painting text needs a QGuiApplication; the CLI has none, and may have no display."""
    app = QGuiApplication.instance()
    if app is None:
        if (
            not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
            and os.name == "posix"
        ):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QGuiApplication(["posko"])
    assert isinstance(app, QGuiApplication)
    return app


class _Painter:
    """Walks the receipt top to bottom; measures only when ``painter`` is None."""

    def __init__(
        self, device: QPaintDevice, painter: QPainter | None, spec: PaperSpec, left: float
    ) -> None:
        self.device = device
        self.painter = painter
        self.spec = spec
        self.px_per_mm = device.logicalDpiX() / MM_PER_INCH
        self.left = left
        self.width = spec.content_width_mm * self.px_per_mm
        self.y = 0.0

    def font(self, points: float, bold: bool = False) -> QFont:
        font = QFont(FONT_FAMILY)
        font.setPointSizeF(points * self.spec.scale)
        font.setBold(bold)
        return font

    def gap(self, mm: float) -> None:
        self.y += mm * self.px_per_mm

    def text(
        self,
        text: str,
        points: float,
        *,
        bold: bool = False,
        align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft,
        indent_mm: float = 0,
        one_line: bool = False,
    ) -> None:
        """Wrapped text; ``one_line`` shrinks the font instead, so a tracking ID is never
        broken or cut at the roll's edge."""
        font = self.font(points, bold)
        metrics = QFontMetricsF(font, self.device)
        # A little room to spare: laid out for the PDF, a line can come out a hair wider
        # than measured, and a wrapping layout would then break the ID at a hyphen.
        fits = self.width * 0.97
        while one_line and metrics.horizontalAdvance(text) > fits and points > 6:
            points -= 0.5
            font = self.font(points, bold)
            metrics = QFontMetricsF(font, self.device)
        indent = indent_mm * self.px_per_mm
        box = QRectF(self.left + indent, self.y, self.width - indent, 1e6)
        wrapping = Qt.TextFlag.TextSingleLine if one_line else Qt.TextFlag.TextWordWrap
        flags = int(align | wrapping)
        height = metrics.boundingRect(box, flags, text).height()
        if self.painter is not None:
            self.painter.setFont(font)
            self.painter.drawText(QRectF(box.x(), box.y(), box.width(), height), flags, text)
        self.y += height

    def pair(self, label: str, value: str, points: float) -> None:
        """A label column and a wrapped value column, top-aligned."""
        label_font, value_font = self.font(points, True), self.font(points)
        split = self.width * 0.42
        flags = int(Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap)
        label_box = QRectF(self.left, self.y, split - self.px_per_mm, 1e6)
        value_box = QRectF(self.left + split, self.y, self.width - split, 1e6)
        lh = QFontMetricsF(label_font, self.device).boundingRect(label_box, flags, label).height()
        vh = QFontMetricsF(value_font, self.device).boundingRect(value_box, flags, value).height()
        if self.painter is not None:
            self.painter.setFont(label_font)
            self.painter.drawText(
                QRectF(label_box.topLeft(), QSizeF(label_box.width(), lh)), flags, label
            )
            self.painter.setFont(value_font)
            self.painter.drawText(
                QRectF(value_box.topLeft(), QSizeF(value_box.width(), vh)), flags, value
            )
        self.y += max(lh, vh)

    def rule(self) -> None:
        self.gap(1.5)
        if self.painter is not None:
            pen = QPen(QColor("black"))
            pen.setWidthF(0.25 * self.px_per_mm)
            pen.setStyle(Qt.PenStyle.DashLine)
            self.painter.setPen(pen)
            self.painter.drawLine(
                QPointF(self.left, self.y), QPointF(self.left + self.width, self.y)
            )
            self.painter.setPen(QColor("black"))
        self.gap(1.5)

    def qr(self, payload: str) -> None:
        import qrcode  # only when a receipt is painted, not at start-up

        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
        code.add_data(payload)
        code.make(fit=True)
        matrix = code.get_matrix()  # includes the 4-module quiet zone
        # Whole device pixels per module keep every module the same size on a thermal head.
        module = max(1, int(self.spec.qr_mm * self.px_per_mm / len(matrix)))
        side = module * len(matrix)
        x0 = round(self.left + (self.width - side) / 2)
        y0 = round(self.y)
        if self.painter is not None:
            self.painter.save()
            self.painter.setPen(Qt.PenStyle.NoPen)
            self.painter.setBrush(QColor("black"))
            for r, row in enumerate(matrix):
                c = 0
                while c < len(row):
                    if row[c]:
                        start = c
                        while c < len(row) and row[c]:
                            c += 1
                        self.painter.drawRect(
                            x0 + start * module, y0 + r * module, (c - start) * module, module
                        )
                    else:
                        c += 1
            self.painter.restore()
        self.y += side


def _paint(walker: _Painter, content: ReceiptContent) -> float:
    center = Qt.AlignmentFlag.AlignHCenter
    walker.text(content.program, 8.5, bold=True, align=center)
    walker.text(content.post, 7.5, align=center)
    walker.text(content.created, 6.5, align=center)
    walker.rule()
    walker.text(content.tracking_label, 7, align=center)
    walker.text(content.tracking_id, 15, bold=True, align=center, one_line=True)
    walker.gap(1)
    walker.qr(content.qr_payload)
    walker.text(content.access_label, 6.5, align=center)
    walker.text(content.access_code, 9, bold=True, align=center, one_line=True)
    walker.rule()
    for label, value in content.facts:
        walker.pair(label, value, 7)
    walker.rule()
    walker.text(content.next_steps_title, 7.5, bold=True)
    for line in content.next_steps:
        walker.text("• " + line, 6.8, indent_mm=0)
    walker.gap(1.5)
    walker.text(content.follow_up_title, 7.5, bold=True)
    for line in content.follow_up:
        walker.text("• " + line, 6.8)
    walker.rule()
    walker.text(content.footer, 6.5, align=center)
    return walker.y


def measure_height_mm(device: QPaintDevice, content: ReceiptContent, spec: PaperSpec) -> float:
    walker = _Painter(device, None, spec, 0)
    return _paint(walker, content) / walker.px_per_mm


def _page_layout(device: QPaintDevice, content: ReceiptContent, paper: PaperSize) -> QPageLayout:
    spec = PAPER[paper]
    if spec.height_mm is None:
        height = measure_height_mm(device, content, spec) + 2 * spec.margin_mm + 6
        size = QPageSize(
            QSizeF(spec.width_mm, height),
            QPageSize.Unit.Millimeter,
            f"Roll {spec.width_mm:g} mm",
            QPageSize.SizeMatchPolicy.ExactMatch,
        )
    elif paper is PaperSize.A6:
        size = QPageSize(QPageSize.PageSizeId.A6)
    else:
        size = QPageSize(QPageSize.PageSizeId.A4)
    return QPageLayout(
        size, QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter
    )


def _paint_page(device: QPaintDevice, content: ReceiptContent, paper: PaperSize) -> None:
    spec = PAPER[paper]
    painter = QPainter()
    if not painter.begin(device):
        raise PrintError("the printer or file could not be opened for painting")
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setPen(QColor("black"))
        px_per_mm = device.logicalDpiX() / MM_PER_INCH
        page_width = spec.width_mm * px_per_mm
        left = (page_width - spec.content_width_mm * px_per_mm) / 2
        walker = _Painter(device, painter, spec, left)
        walker.y = spec.margin_mm * px_per_mm
        _paint(walker, content)
    finally:
        painter.end()


def paint_on(device: QPagedPaintDevice, content: ReceiptContent, paper: PaperSize) -> None:
    """Set the page up for ``paper`` and paint the receipt on ``device`` (PDF or printer)."""
    device.setPageLayout(_page_layout(device, content, paper))
    _paint_page(device, content, paper)


def render_image(content: ReceiptContent, paper: PaperSize, dpi: int = 203) -> QImage:
    """The receipt as pixels, as a thermal head (203 dpi) would print it: the self-test reads
    its QR back from this without needing a PDF rasteriser on the user's machine."""
    ensure_gui_application()
    spec = PAPER[paper]
    dots_per_metre = round(dpi / MM_PER_INCH * 1000)
    probe = QImage(8, 8, QImage.Format.Format_Grayscale8)
    probe.setDotsPerMeterX(dots_per_metre)
    probe.setDotsPerMeterY(dots_per_metre)
    height_mm = spec.height_mm or measure_height_mm(probe, content, spec) + 2 * spec.margin_mm + 6
    image = QImage(
        round(spec.width_mm * dpi / MM_PER_INCH),
        round(height_mm * dpi / MM_PER_INCH),
        QImage.Format.Format_Grayscale8,
    )
    image.setDotsPerMeterX(dots_per_metre)
    image.setDotsPerMeterY(dots_per_metre)
    image.fill(QColor("white"))
    _paint_page(image, content, paper)
    return image


def render_pdf(content: ReceiptContent, paper: PaperSize, target: Path) -> Path:
    """Write the receipt to ``target`` atomically (a half-written PDF never replaces a good one)."""
    ensure_gui_application()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(prefix=".receipt-", suffix=".pdf", dir=target.parent)
        os.close(fd)
    except OSError as exc:
        raise PrintError(str(exc)) from exc
    try:
        writer = QPdfWriter(temp_name)
        writer.setResolution(PDF_DPI)
        writer.setCreator("Posko")
        writer.setTitle(f"{content.tracking_label} {content.tracking_id}")
        paint_on(writer, content, paper)
        del writer  # flushes and closes the file
        if os.path.getsize(temp_name) == 0:
            raise PrintError(f"nothing was written to {target}")
        os.replace(temp_name, target)
    except OSError as exc:
        raise PrintError(str(exc)) from exc
    finally:
        if os.path.exists(temp_name):
            os.unlink(temp_name)
    log.info("receipt %s written to %s", content.tracking_id, target)
    return target
