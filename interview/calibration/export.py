"""CSV exports of the calibration figures, safe to open in a spreadsheet.

A cell that begins with = + - @ (or a tab or carriage return) is a formula to Excel,
LibreOffice and Google Sheets; an interviewer's or a competency's name is typed by
people, so every text cell that begins so is prefixed with a single quote (OWASP,
"CSV Injection"). Numbers are written by us and left alone.
"""

import csv
import gzip
import io

from flask import Response

from .figures import Figures, RaterFigures

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_FIRST = frozenset(FORMULA_STARTS)


def safe(value) -> str:
    """A cell: numbers as they are (None empty), text defused if it starts a formula."""
    if value is None:
        return ""
    kind = type(value)  # the common cells first: an export of every interviewer
    if kind is str:  # writes 27,000 of them
        return "'" + value if value[:1] in FORMULA_FIRST else value
    if kind is float:
        return f"{value:.4f}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return f"{value:.4f}" if isinstance(value, float) else str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _writer():
    out = io.StringIO()
    return out, csv.writer(out, lineterminator="\r\n")


def scope_csv(found: Figures, *, raters: bool, titles: dict) -> str:
    """Reliability per competency (and overall), offsets, loop size, then raters."""
    out, w = _writer()
    w.writerow(["section", "competency", "units", "alpha", "alpha_low", "alpha_high",
                "icc1", "icc1_low", "icc1_high", "icc1_band", "icck", "icck_raters",
                "icck_band", "offset_n", "offset", "offset_low", "offset_high",
                "raters_for_0.70", "raters_for_0.80", "one_more_rater_gain",
                "note"])  # fmt: skip
    if found.check is not None and not found.check.enough:
        for sentence in found.check.missing:
            w.writerow([safe("not enough data"), safe(sentence)])
        return out.getvalue()
    for c in found.competencies:
        if c.missing:
            blank = [None] * 17
            w.writerow(
                [safe(x) for x in ["reliability", c.name, c.units, *blank, c.missing]]
            )
            continue
        a, one, k, o, adv = c.alpha, c.single, c.average, c.offset, c.advice
        w.writerow([safe(x) for x in [
            "reliability", c.name, c.units, a.value, a.low, a.high, one.value,
            one.low, one.high, one.band, k.value, k.raters, k.band,
            o.n if o else None, o.mean if o else None, o.low if o else None,
            o.high if o else None, adv.needed[0.7] if adv else None,
            adv.needed[0.8] if adv else None, adv.one_more_buys if adv else None,
        ]])  # fmt: skip
    a, one, k = found.alpha, found.single, found.average
    w.writerow([safe(x) for x in [
        "reliability", "All competencies", a.units, a.value, a.low, a.high,
        one.value, one.low, one.high, one.band, k.value, k.raters, k.band,
    ]])  # fmt: skip
    if raters:
        w.writerow([])
        out.write(rater_csv(found.raters, titles))
    return out.getvalue()


# Below this many compared ratings the pages print no leniency (interviewer.html
# says what it needs), and neither does the CSV.
MIN_LENIENCY_RATINGS = 10


def rater_csv(rows: list[RaterFigures], titles: dict) -> str:
    """One row per interviewer and rubric: leniency (raw, shrunk) and halo; where
    too few ratings were compared, the count and a note instead of the numbers."""
    out, w = _writer()
    w.writerow(["rubric", "interviewer", "n", "leniency_raw", "raw_low", "raw_high",
                "leniency_shrunk", "shrunk_low", "shrunk_high", "scorecards",
                "flat_share", "panel_flat_share", "sd_ratio", "note"])  # fmt: skip
    for r in rows:
        le, h = r.leniency, r.halo
        n = le.n if le else 0
        note = ""
        if n < MIN_LENIENCY_RATINGS:
            le = None
            note = (
                f"not enough data: leniency needs at least {MIN_LENIENCY_RATINGS} "
                f"ratings that another interviewer also rated; has {n}"
            )
        w.writerow([safe(x) for x in [
            titles.get(r.rubric, r.rubric), r.name, n,
            le.raw if le else None, le.low if le else None,
            le.high if le else None, le.shrunk if le else None,
            le.shrunk_low if le else None, le.shrunk_high if le else None,
            h.scorecards if h else None, h.flat_share if h else None,
            h.panel_flat_share if h else None, h.sd_ratio if h else None, note,
        ]])  # fmt: skip
    return out.getvalue()


def compressed(text: str) -> bytes:
    """The file as it is kept: UTF-8 with a BOM (so Excel reads accents right),
    gzipped (a fifth of the size, sent as it is to a browser)."""
    return gzip.compress(("\ufeff" + text).encode(), compresslevel=6, mtime=0)


def response(body: bytes, filename: str, *, gzip_ok: bool) -> Response:
    """The kept file as a download: as it is to a client that accepts gzip (every
    browser), inflated for one that does not."""
    headers = {
        "Content-Disposition": f'attachment; filename="{filename}.csv"',
        "Vary": "Accept-Encoding",
    }
    if gzip_ok:
        headers["Content-Encoding"] = "gzip"
    else:
        body = gzip.decompress(body)
    return Response(body, mimetype="text/csv", headers=headers)
