"""The share card: a period's summary as a 1080 x 1920 PNG (the story format), drawn with Pillow.

Pillow, not a browser: the same card is drawn where no browser runs (a Lambda function), and it
needs no system fonts (Pillow's bundled scalable font, FreeType). Text that does not fit its line
is shortened with an ellipsis; the page beside the card keeps the full names.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1080, 1920
MARGIN = 84
BACKGROUND_TOP = (18, 18, 24)
BACKGROUND_BOTTOM = (10, 52, 32)
ACCENT = (29, 185, 84)
TEXT = (245, 245, 245)
MUTED = (170, 178, 185)
ELLIPSIS = "…"


@dataclass(frozen=True)
class CardFigures:
    """What the card shows: a title (`2026 in music`), the period in words, headline figures as
    (value, label) pairs, the top artists and tracks in order, and the counting rule in words."""

    title: str
    period: str
    figures: Sequence[tuple[str, str]]
    top_artists: Sequence[str] = field(default_factory=tuple)
    top_tracks: Sequence[str] = field(default_factory=tuple)
    rule: str = ""


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)  # type: ignore[return-value]


def fit(text: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    """`text`, or its longest prefix with an ellipsis, whose drawn width is at most `width`."""
    if font.getlength(text) <= width:
        return text
    low, high = 0, len(text)
    while low < high:  # the longest prefix that fits with the ellipsis
        middle = (low + high + 1) // 2
        if font.getlength(text[:middle].rstrip() + ELLIPSIS) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + ELLIPSIS


def _background() -> Image.Image:
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND_TOP)
    draw = ImageDraw.Draw(image)
    for y in range(HEIGHT):
        share = y / (HEIGHT - 1)
        colour = tuple(round(top + (bottom - top) * share)
                       for top, bottom in zip(BACKGROUND_TOP, BACKGROUND_BOTTOM, strict=True))
        draw.line([(0, y), (WIDTH, y)], fill=colour)
    return image


def _ranked(draw: ImageDraw.ImageDraw, top: int, heading: str, names: Sequence[str]) -> int:
    draw.text((MARGIN, top), heading, font=_font(44), fill=ACCENT)
    top += 70
    width = WIDTH - 2 * MARGIN - 70
    for rank, name in enumerate(names[:5], start=1):
        draw.text((MARGIN, top), f"{rank}", font=_font(44), fill=MUTED)
        draw.text((MARGIN + 70, top), fit(name, _font(44), width), font=_font(44), fill=TEXT)
        top += 64
    return top + 40


def render_card(card: CardFigures) -> bytes:
    """The card as PNG bytes (the same figures give the same bytes)."""
    image = _background()
    draw = ImageDraw.Draw(image)
    inner = WIDTH - 2 * MARGIN
    draw.text((MARGIN, 120), fit(card.title, _font(96), inner), font=_font(96), fill=TEXT)
    draw.text((MARGIN, 240), fit(card.period, _font(44), inner), font=_font(44), fill=MUTED)
    top = 360
    for value, label in card.figures[:3]:
        draw.text((MARGIN, top), fit(value, _font(120), inner), font=_font(120), fill=ACCENT)
        draw.text((MARGIN, top + 140), fit(label, _font(42), inner), font=_font(42), fill=TEXT)
        top += 230
    top += 20
    if card.top_artists:
        top = _ranked(draw, top, "Top artists", card.top_artists)
    if card.top_tracks:
        top = _ranked(draw, top, "Top tracks", card.top_tracks)
    footer = fit(card.rule, _font(32), inner) if card.rule else ""
    draw.text((MARGIN, HEIGHT - 150), footer, font=_font(32), fill=MUTED)
    draw.text((MARGIN, HEIGHT - 100), "spotify-etl · from your own Spotify data", font=_font(32),
              fill=MUTED)
    out = io.BytesIO()
    # A 64-colour palette keeps the gradient and the anti-aliased text at a third of the
    # bytes: the page carries the card twice (shown, and behind its download link).
    image.quantize(colors=64, dither=Image.Dither.NONE).save(out, format="PNG", optimize=True)
    return out.getvalue()
