"""The charts of a calibration page, built from its figures (pure)."""

from .charts import Reference, Row, interval_chart
from .figures import Figures

ALPHA_REFERENCES = (
    Reference(0.667, "0.667 tentative"),
    Reference(0.8, "0.8 reliable"),
)


def charts_for(found: Figures, raters) -> dict:
    """Reliability, clinical-technical offset and leniency charts, where there are
    figures to draw."""
    if found.check is None or not found.check.enough:
        return {}
    charts = {"alpha": _alpha(found)}
    offsets = [c for c in found.competencies if c.offset and c.offset.n]
    if offsets:
        charts["offset"] = interval_chart(
            "chart-offset",
            "Clinical minus technical mean, per competency",
            "Per competency, the mean over loops of the clinical interviewers' mean"
            " rating minus the technical interviewers' mean, with its 95% interval."
            " Below 0: clinicians rate lower.",
            [Row(c.name, c.offset.mean, c.offset.low, c.offset.high) for c in offsets],
            (-2.0, 2.0),
            (Reference(0.0, "no difference"),),
        )
    if raters:
        charts["leniency"] = interval_chart(
            "chart-leniency",
            "Leniency of the interviewers furthest from the panel",
            "Per interviewer, the shrunk mean difference from the other raters of the"
            " same candidates and competencies, in scale levels, with its 95%"
            " interval. Above 0: rates higher than the panel (lenient); below:"
            " lower (severe).",
            [
                Row(
                    r.name,
                    r.leniency.shrunk,
                    r.leniency.shrunk_low,
                    r.leniency.shrunk_high,
                )
                for r in raters
            ],
            (-1.5, 1.5),
            (Reference(0.0, "the panel"),),
        )
    return charts


def _alpha(found: Figures):
    rows = [
        Row(c.name, c.alpha.value, c.alpha.low, c.alpha.high)
        if c.alpha is not None
        else Row(c.name, None)  # too few units yet: "no figure"
        for c in found.competencies
    ]
    rows.append(
        Row("All competencies", found.alpha.value, found.alpha.low, found.alpha.high)
    )
    return interval_chart(
        "chart-alpha",
        "Inter-rater reliability per competency (Krippendorff's alpha)",
        "Per competency and overall, Krippendorff's alpha (ordinal) with its 95%"
        " bootstrap interval, on a scale from 0 (chance agreement) to 1 (perfect"
        " agreement); dashed lines mark 0.667 and 0.8. Overall is the"
        " competencies' alphas averaged, weighted by their ratings.",
        rows,
        (0.0, 1.0),
        ALPHA_REFERENCES,
    )
