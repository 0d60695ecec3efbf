"""The monthly report as an e-mail: the month's headline figures in the body, the card inline,
the page attached (one self-contained HTML file that opens with no network).

Sent as a raw message through Amazon SES from and to the owner's verified address: no link that
outlives a role's session, no long-lived key. A report over SES's 10 MB raw-message limit is not
sent (the page is about 1.5 MB).
"""

from __future__ import annotations

import html
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from spotify_runtime.report.build import RenderedReport

SES_MAX_MESSAGE_BYTES = 10 * 1024 * 1024
"""SES's limit on a raw message, attachments and encoding included."""


def _number(summary: dict[str, Any], name: str) -> float:
    value = summary.get(name)
    return float(value) if isinstance(value, int | float) else 0.0


def headline(summary: dict[str, Any]) -> list[tuple[str, str]]:
    """The month's headline figures as (label, value) pairs, from its report_summary row."""
    return [("Plays", f"{_number(summary, 'plays'):,.0f}"),
            ("Hours listened", f"{_number(summary, 'minutes') / 60:,.1f}"),
            ("Days with a play", f"{_number(summary, 'days_listened'):,.0f}"),
            ("Tracks", f"{_number(summary, 'tracks'):,.0f}"),
            ("Artists", f"{_number(summary, 'artists'):,.0f}")]


def report_message(report: RenderedReport, *, month: str, title: str, address: str,
                   bucket: str, keys: tuple[str, str]) -> EmailMessage:
    """The e-mail of `month`'s report, from and to `address`; `keys` are the page's and the
    card's objects in `bucket`, named in the body."""
    figures = headline(report.summary)
    message = EmailMessage()
    message["Subject"] = f"{title}: your listening report"
    message["From"] = message["To"] = address
    lines = [f"{title}", "", *(f"{label}: {value}" for label, value in figures), "",
             f"The whole report is attached ({month}.html: open it in a browser, no network "
             "needed).", f"Also kept in s3://{bucket}/{keys[0]} and s3://{bucket}/{keys[1]}."]
    message.set_content("\n".join(lines))
    card_id = make_msgid(domain="spotify-etl")
    rows = "".join(f"<tr><td>{html.escape(label)}</td><td><b>{html.escape(value)}</b></td></tr>"
                   for label, value in figures)
    card = (f'<p><img src="cid:{card_id[1:-1]}" alt="The month in one picture" width="270"></p>'
            if report.card_png is not None else "")
    message.add_alternative(
        f"<html><body><h1>{html.escape(title)}</h1><table>{rows}</table>{card}"
        f"<p>The whole report is attached ({html.escape(month)}.html).</p></body></html>",
        subtype="html")
    if report.card_png is not None:
        message.get_payload()[1].add_related(report.card_png, "image", "png", cid=card_id,
                                             filename=f"{month}.png")
    # Base64: the page's lines (the inlined chart library) are far longer than mail allows.
    message.add_attachment(report.html, subtype="html", charset="utf-8", cte="base64",
                           filename=f"{month}.html")
    return message


def send_report(ses: Any, message: EmailMessage) -> str:
    """Send `message` through SES (SendRawEmail, from its verified From address); its
    MessageId. ValueError when it is over SES's size limit."""
    raw = message.as_bytes()
    if len(raw) > SES_MAX_MESSAGE_BYTES:
        raise ValueError(f"the report's e-mail is {len(raw):,} bytes, over SES's "
                         f"{SES_MAX_MESSAGE_BYTES:,}")
    # No Destinations: SES takes the recipients from the To header (given both, it sends to
    # both lists, and the owner would get the report twice).
    answer = ses.send_raw_email(Source=message["From"], RawMessage={"Data": raw})
    return str(answer["MessageId"])
