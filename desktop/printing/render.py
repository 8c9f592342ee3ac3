"""Lay a ``ReceiptContent`` out on paper: thermal rolls (58/80 mm, page as long as the
receipt) or sheets (A6/A4). The same painting code serves PDF files and system printers, so
what the preview shows is what the printer gets. The survey's standee (``StandeeContent``)
is painted by the same walker on an A4 or A5 sheet."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable
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
from desktop.receipt import ReceiptContent, Step
from desktop.survey.standee import StandeeContent

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

# The survey standee: read from a step or two away, its QR code scanned from a table.
# The QR (with its quiet zone) spans 140 mm on A4, the code itself about 11 cm.
STANDEE_PAPER: dict[str, PaperSpec] = {
    "a4": PaperSpec(210, 297, 20, 170, 1.0, 140),
    "a5": PaperSpec(148, 210, 14, 120, 148 / 210, 99),
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

    def pairs(self, items: tuple[tuple[str, str], ...], points: float) -> None:
        """A label column as wide as its widest label (at most half the line) and a wrapped
        value column, top-aligned: no label is cut, in either language."""
        label_font, value_font = self.font(points, True), self.font(points)
        label_metrics = QFontMetricsF(label_font, self.device)
        widest = max((label_metrics.horizontalAdvance(label) for label, _ in items), default=0)
        split = min(widest + 1.5 * self.px_per_mm, self.width * 0.5)
        flags = int(Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap)
        value_metrics = QFontMetricsF(value_font, self.device)
        for label, value in items:
            label_box = QRectF(self.left, self.y, split - self.px_per_mm, 1e6)
            value_box = QRectF(self.left + split, self.y, self.width - split, 1e6)
            lh = label_metrics.boundingRect(label_box, flags, label).height()
            vh = value_metrics.boundingRect(value_box, flags, value).height()
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


# Point sizes on the 58 mm roll (other papers scale them). The body is 8.5 pt: capitals
# about 2.2 mm high, as large as the 48 mm line allows for the longest words; the receipt
# test measures it on the printed page.
BODY_PT = 8.5
SMALL_PT = 8.0
HEADING_PT = 9.5


def _steps(walker: _Painter, steps: tuple[Step, ...]) -> None:
    for step in steps:
        walker.text("• " + step.text, BODY_PT)
        if step.address:
            walker.text(step.address, BODY_PT, bold=True, indent_mm=2.5, one_line=True)


def _paint(walker: _Painter, content: ReceiptContent) -> float:
    center = Qt.AlignmentFlag.AlignHCenter
    walker.text(content.program, HEADING_PT, bold=True, align=center, one_line=True)
    walker.text(content.post, BODY_PT, align=center)
    walker.text(content.created, SMALL_PT, align=center, one_line=True)
    walker.rule()
    walker.text(content.tracking_label, BODY_PT, align=center)
    walker.text(content.tracking_id, 15, bold=True, align=center, one_line=True)
    walker.gap(1)
    if content.qr_payload:  # none without a tracking address: a bare ID opens nothing
        walker.qr(content.qr_payload)
    walker.text(content.access_label, SMALL_PT, align=center)
    walker.text(content.access_code, 10, bold=True, align=center, one_line=True)
    walker.rule()
    walker.text(content.title_label, SMALL_PT)
    walker.text(content.title, BODY_PT, bold=True)
    walker.gap(1)
    walker.pairs(content.facts, BODY_PT)
    walker.rule()
    walker.text(content.next_steps_title, HEADING_PT, bold=True)
    _steps(walker, content.next_steps)
    walker.gap(1.5)
    walker.text(content.follow_up_title, HEADING_PT, bold=True)
    _steps(walker, content.follow_up)
    walker.rule()
    walker.text(content.footer, SMALL_PT, align=center)
    return walker.y


def measure_height_mm(device: QPaintDevice, content: ReceiptContent, spec: PaperSpec) -> float:
    walker = _Painter(device, None, spec, 0)
    return _paint(walker, content) / walker.px_per_mm


def fitted_spec(device: QPaintDevice, content: ReceiptContent, paper: PaperSize) -> PaperSpec:
    """``paper``'s spec, its type made smaller where a sheet (A6, A4) is too short for this
    receipt (a long title), so nothing runs off the bottom. A roll grows instead."""
    import dataclasses

    spec = PAPER[paper]
    if spec.height_mm is None:
        return spec
    room = spec.height_mm - 2 * spec.margin_mm
    for _attempt in range(4):  # smaller type wraps into fewer lines: converge, don't guess
        height = measure_height_mm(device, content, spec)
        if height <= room:
            break
        spec = dataclasses.replace(spec, scale=spec.scale * room / height * 0.98)
    return spec


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
    spec = fitted_spec(device, content, paper)
    _paint_sheet(device, spec, lambda walker: _paint(walker, content))


def _paint_sheet(
    device: QPaintDevice,
    spec: PaperSpec,
    paint: Callable[[_Painter], object],
    top_mm: float | None = None,
) -> None:
    """One page of ``spec`` on ``device``, its content centred between the side margins,
    from ``top_mm`` down (default: the top margin)."""
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
        walker.y = (spec.margin_mm if top_mm is None else top_mm) * px_per_mm
        paint(walker)
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


def _pdf_writer(path: str, title: str) -> QPdfWriter:
    writer = QPdfWriter(path)
    writer.setResolution(PDF_DPI)
    writer.setCreator("Posko")
    writer.setTitle(title)
    return writer


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
        writer = _pdf_writer(temp_name, f"{content.tracking_label} {content.tracking_id}")
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


def _paint_standee(walker: _Painter, content: StandeeContent) -> None:
    """Title, service and post; the QR code with how to use it right under it; then the
    address to type and what the survey does not ask."""
    center = Qt.AlignmentFlag.AlignHCenter
    scan, *rest = content.instructions
    walker.text(content.title, 32, bold=True, align=center)
    walker.gap(8)
    walker.text(content.service, 24, bold=True, align=center)
    walker.gap(2)
    walker.text(content.post, 15, align=center)
    walker.gap(6)
    walker.qr(content.qr_payload)
    walker.text(scan, 17, bold=True, align=center)
    walker.gap(6)
    walker.text(content.address_label, 12, align=center)
    walker.gap(1)
    walker.text(content.address, 15, bold=True, align=center, one_line=True)
    walker.gap(8)
    for line in rest:
        walker.text(line, 13, align=center)


def render_standee_pdf(content: StandeeContent, paper: str, target: Path) -> None:
    """Write the standee on one ``paper`` sheet (``STANDEE_PAPER``) to ``target``
    atomically, as the survey report is written; ``PrintError`` says why it could not be,
    in the user's language (a missing or read-only folder, a full disk)."""
    from posko.i18n import _
    from posko.survey_files import ReportFileError, written

    try:
        written(target, lambda path: _write_standee(content, paper, path))
    except ReportFileError as error:
        raise PrintError(str(error)) from None
    except PrintError as error:
        message = _("Cannot write {file}: {error}").format(file=target, error=error)
        raise PrintError(message) from None


def _write_standee(content: StandeeContent, paper: str, path: Path) -> None:
    ensure_gui_application()
    spec = STANDEE_PAPER[paper]
    assert spec.height_mm is not None
    writer = _pdf_writer(str(path), content.title)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QSizeF(spec.width_mm, spec.height_mm), QPageSize.Unit.Millimeter),
            QPageLayout.Orientation.Portrait,
            QMarginsF(0, 0, 0, 0),
            QPageLayout.Unit.Millimeter,
        )
    )
    measuring = _Painter(writer, None, spec, 0)
    _paint_standee(measuring, content)
    height_mm = measuring.y / measuring.px_per_mm
    top_mm = max(spec.margin_mm, (spec.height_mm - height_mm) / 2)  # centred on the sheet
    _paint_sheet(writer, spec, lambda walker: _paint_standee(walker, content), top_mm)
    del writer  # flushes and closes the file
    if path.stat().st_size == 0:
        raise PrintError(f"nothing was written to {path}")
