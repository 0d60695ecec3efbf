"""The share card: a valid 1080 x 1920 PNG, names shortened to fit, the same figures the same
bytes."""

from __future__ import annotations

import io

from PIL import Image
from spotify_runtime.report.card import (
    ELLIPSIS,
    HEIGHT,
    MARGIN,
    WIDTH,
    CardFigures,
    _font,
    fit,
    render_card,
)

CARD = CardFigures(
    title="2026 in music", period="1 January to 31 December 2026",
    figures=[("12,345", "minutes listened"), ("2,318", "plays"), ("41", "days in a row")],
    top_artists=["Sofia Kourtesis", "A name far too long to fit on one line of a story card " * 2],
    top_tracks=["Madres · Sofia Kourtesis"],
    rule="A play is a track played for 30 seconds or more.",
)


def test_the_card_is_a_png_in_the_story_format():
    image = Image.open(io.BytesIO(render_card(CARD)))
    assert image.format == "PNG"
    assert image.size == (WIDTH, HEIGHT) == (1080, 1920)


def test_the_card_draws_its_text():
    image = Image.open(io.BytesIO(render_card(CARD))).convert("RGB")
    blank = Image.open(io.BytesIO(render_card(CardFigures("", "", [])))).convert("RGB")
    # the headline figure's band differs from a card without figures
    band = (MARGIN, 360, WIDTH - MARGIN, 480)
    assert image.crop(band).tobytes() != blank.crop(band).tobytes()


def test_the_same_figures_give_the_same_bytes():
    assert render_card(CARD) == render_card(CARD)


def test_a_long_name_is_shortened_to_its_line_and_a_short_one_kept():
    font = _font(44)
    long_name = CARD.top_artists[1]
    shortened = fit(long_name, font, 600)
    assert shortened.endswith(ELLIPSIS) and len(shortened) < len(long_name)
    assert font.getlength(shortened) <= 600
    assert long_name.startswith(shortened.removesuffix(ELLIPSIS))
    assert fit("Madres", font, 600) == "Madres"
