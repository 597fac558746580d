"""Reading printed PDFs back as a machine would: text (pdfplumber), structure (pypdf), and the
codes on the rendered page (pypdfium2 to pixels, pyzbar to values)."""

from __future__ import annotations

import io
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium  # type: ignore[import-untyped]
from PIL import Image
from pypdf import PdfReader
from pyzbar import pyzbar

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "printing"


def pdf_text(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return "\n".join(page.extract_text() or "" for page in document.pages)


def reader(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def page_size_mm(pdf: bytes, page: int = 0) -> tuple[float, float]:
    box = reader(pdf).pages[page].mediabox
    return float(box.width) * 25.4 / 72, float(box.height) * 25.4 / 72


def render(pdf: bytes, page: int = 0, dpi: int = 300) -> Image.Image:
    document = pdfium.PdfDocument(pdf)
    try:
        image: Image.Image = document[page].render(scale=dpi / 72).to_pil()
        return image
    finally:
        document.close()


def decode(image: Image.Image) -> list[tuple[str, str]]:
    """Every QR code and Code 128 on the image, as (kind, value)."""
    found = pyzbar.decode(image, symbols=[pyzbar.ZBarSymbol.QRCODE, pyzbar.ZBarSymbol.CODE128])
    return sorted((symbol.type, symbol.data.decode("utf-8")) for symbol in found)


def save_artifact(image: Image.Image, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    image.save(path)
    print(f"printing artifact: {path}")
    return path


def decode_labels(pdf: bytes, grid, page: int = 0, dpi: int = 600) -> list[list[tuple[str, str]]]:
    """The codes of each label on a sheet, label by label (cut out of the rendered page)."""
    image = render(pdf, page, dpi)
    scale = dpi / 72
    height = image.height / scale
    found = []
    for index in range(grid.per_sheet):
        x, y = grid.origin(index, height)
        box = (
            int(x * scale),
            int((height - y - grid.label_height) * scale),
            int((x + grid.label_width) * scale),
            int((height - y) * scale),
        )
        found.append(decode(image.crop(box)))
    return found
