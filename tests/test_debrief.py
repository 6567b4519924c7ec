"""The debrief page and the hiring manager's decision."""

import html
import io
import itertools
import re
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

import pypdf
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interview.debrief.documents import packet_html
from interview.extensions import db
from interview.models import (
    AuditEntry,
    Discipline,
    HiringDecision,
    Loop,
    LoopStatus,
    PanelSeat,
    PlanSession,
    Rating,
    Role,
    Scorecard,
    ScorecardStatus,
)
from interview.rubrics.operations import save_rubric
from interview.rubrics.schema import validate

from .builders import start_loop
from .rubric_samples import competency, dump, rubric
from .test_scorecards import EVIDENCE, _form, _second_seat


def _both_submitted(app, client, auth, seat, make_user):
    second = _second_seat(app, seat, make_user)
    auth.login(second["wei"])
    client.submit(
        f"/interviews/{second['id']}",
        _form(
            submit="y",
            level_workflow="1",
            evidence_workflow="Could not describe any ward workflow at all.",
        ),
    )
    auth.logout()
    auth.login(seat["clara"])
    client.submit(f"/interviews/{seat['id']}", _form(submit="y", level_workflow="4"))
    auth.logout()
    return second


def test_the_debrief_shows_scores_flags_and_evidence(
    app, client, auth, seat, make_user
):
    second = _both_submitted(app, client, auth, seat, make_user)
    auth.login(seat["manager"])
    page = client.get(f"/loops/{second['loop_id']}/debrief").get_data(as_text=True)
    # Workflow: clinical 4, technical 1 -> mean (4 + 1) / 2 = 2.5, the only rated
    # competency; two raters 3 levels apart (SE 1.5 on one degree of freedom) give
    # a band as wide as the scale.
    assert '<strong id="overall-score">2.5 (1.0 to 4.0)</strong>' in page
    assert "(standard error 1.50)" in page
    assert (
        "One clinical and one technical interviewer differed by 3 levels on "
        "Workflow: clinical 4 (Strong yes), technical 1 (Strong no)"
    ) in page
    assert "Ratings for Workflow span 3 levels" in page
    assert EVIDENCE in page and "Could not describe any ward workflow at all." in page
    assert "1 of 2 competencies" in page  # privacy was not assessed by anyone
    # ... and privacy has a minimum: called out, not left out.
    assert (
        "Privacy: nobody rated it, so the panel cannot confirm the minimum 3 (Yes)"
    ) in page


def test_interviewers_see_the_debrief_only_after_submitting(
    app, client, auth, seat, make_user
):
    second = _second_seat(app, seat, make_user)
    auth.login(seat["clara"])
    assert client.get(f"/loops/{second['loop_id']}/debrief").status_code == 403
    client.submit(f"/interviews/{seat['id']}", _form(submit="y"))
    assert client.get(f"/loops/{second['loop_id']}/debrief").status_code == 200


def test_a_loop_without_submissions_says_so(app, client, auth, seat):
    with app.app_context():
        loop_id = db.session.scalar(sa.select(Loop.id))
    auth.login(seat["manager"])
    page = client.get(f"/loops/{loop_id}/debrief").get_data(as_text=True)
    assert "No scorecard has been submitted yet" in page


def test_the_manager_records_the_decision_and_the_loop_is_decided(
    app, client, auth, seat, make_user
):
    second = _both_submitted(app, client, auth, seat, make_user)
    with app.app_context():
        db.session.get(Loop, second["loop_id"]).status = LoopStatus.DEBRIEF
        db.session.commit()
    auth.login(seat["manager"])
    url = f"/loops/{second['loop_id']}/decision"
    short = client.submit(url, {"outcome": "hold", "rationale": "Not sure."})
    assert short.status_code == 302  # issue 14: to the refused form's draft
    assert "at least 20 characters" in client.get(short.location).text
    done = client.submit(
        url,
        {
            "outcome": "hold",
            "rationale": "Split on workflow: ask for a second clinical interview.",
        },
        follow_redirects=True,
    )
    assert "Decision recorded; the loop is decided." in done.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Loop, second["loop_id"]).status == LoopStatus.DECIDED
        assert db.session.scalar(sa.select(HiringDecision.outcome)) == "hold"
        entry = db.session.scalar(
            sa.select(AuditEntry).where(AuditEntry.action == "loop.decision")
        )
        assert entry.reason.startswith("Split on workflow")
    again = client.submit(
        url, {"outcome": "hire", "rationale": "Changed my mind entirely today."}
    )
    page = client.get(again.location).text
    assert "A decision (Hold) was recorded meanwhile by you" in page
    assert "Changed my mind entirely today.</textarea>" in page  # kept to copy


def test_only_the_requisitions_own_manager_decides(app, client, auth, seat, make_user):
    second = _second_seat(app, seat, make_user)
    auth.login(make_user(Role.HIRING_MANAGER))
    response = client.submit(
        f"/loops/{second['loop_id']}/decision",
        {"outcome": "hire", "rationale": "I am not this requisition's manager."},
    )
    assert response.status_code == 403


def test_a_decided_loop_shows_the_decision_not_the_debrief_hint(
    app, client, auth, seat, make_user
):
    second = _both_submitted(app, client, auth, seat, make_user)
    with app.app_context():
        db.session.get(Loop, second["loop_id"]).status = LoopStatus.DEBRIEF
        db.session.commit()
    auth.login(seat["manager"])
    client.submit(
        f"/loops/{second['loop_id']}/decision",
        {
            "outcome": "hire",
            "rationale": "Strong clinical workflow evidence from both sides.",
        },
    )
    page = client.get(f"/loops/{second['loop_id']}/debrief").get_data(as_text=True)
    assert "<strong>Hire</strong>, recorded by" in page
    assert "recorded once the loop is in debrief" not in page
    assert "<strong>4 Strong yes</strong>" in page  # levels carry their labels


def test_a_reopened_loop_says_so_and_awaits_a_new_decision(
    app, client, auth, seat, make_user
):
    second = _both_submitted(app, client, auth, seat, make_user)
    loop_id = second["loop_id"]
    with app.app_context():
        db.session.get(Loop, loop_id).status = LoopStatus.DEBRIEF
        db.session.commit()
    auth.login(seat["manager"])
    client.submit(
        f"/loops/{loop_id}/decision",
        {"outcome": "hire", "rationale": "Strong clinical workflow evidence."},
    )
    auth.logout()
    ta = make_user(Role.TALENT_ACQUISITION, name="Tara Okafor")
    auth.login(ta)
    reason = "Wei asked to amend the privacy evidence after the debrief."
    assert (
        client.submit(f"/loops/{loop_id}/reopen", {"reason": reason}).status_code == 302
    )
    page = client.get(f"/loops/{loop_id}/debrief").get_data(as_text=True)
    assert "(set aside: the loop was reopened after it)" in page
    assert "<strong>Reopened</strong> by Tara Okafor" in page and reason in page
    assert "Awaiting a new decision." in page
    pdf = pypdf.PdfReader(io.BytesIO(client.get(f"/loops/{loop_id}/debrief.pdf").data))
    packet = " ".join(" ".join(p.extract_text().split()) for p in pdf.pages)
    assert "Reopened by Tara Okafor" in packet and "Awaiting a new decision." in packet


# --- built loops: timings and ratings written directly -------------------------------

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
KEYS = itertools.count()


def _version(competencies: list[dict]):
    """Save a rubric with these competencies (on the default 1-4 scale)."""
    data = rubric(
        key=f"numbers-{next(KEYS)}",
        competencies=competencies,
        weight_reason="The weights differ on purpose in this test.",
    )
    result = validate(dump(data))
    assert result.ok, result.problems
    return save_rubric(None, result.rubric).version


def _seat(loop, session: int, discipline: str, user, at) -> PanelSeat:
    """Give the first free seat of that discipline to ``user`` from ``at``."""
    seat = next(
        s
        for s in sorted(loop.sessions[session].seats, key=lambda s: s.id)
        if str(s.discipline) == discipline
        and s.interviewer_id is None
        and s.removed_at is None
    )
    seat.interviewer_id = user.id
    seat.assigned_at = at
    return seat


def _submit(seat, user, version, levels: dict, at, **fields) -> Scorecard:
    """A submitted scorecard on ``seat`` with these levels (None: not assessed)."""
    by_key = {c.key: c for c in version.competencies}
    card = Scorecard(
        seat=seat,
        interviewer_id=user.id,
        rubric_version_id=version.id,
        status=ScorecardStatus.SUBMITTED,
        submitted_at=at,
        overall_recommendation=fields.pop("recommendation", 3),
        summary=fields.pop("summary", ""),
        **fields,
    )
    card.ratings = [
        Rating(
            rubric_version_id=version.id,
            competency_id=by_key[key].id,
            level=level,
            is_not_assessed=level is None,
            evidence=f"Evidence from {user.name} on {key}.",
        )
        for key, level in levels.items()
    ]
    db.session.add(card)
    return card


def _panel(app, make_user, specs, cards) -> int:
    """A loop on one session whose panel submitted ``cards``; returns the loop id.

    ``specs``: (weight, min_level) per competency c0, c1, ...; ``cards``: (discipline,
    recommendation, {key: level or None}) per scorecard.
    """
    manager = make_user(Role.HIRING_MANAGER)
    people = [
        make_user(Role.INTERVIEWER, discipline=Discipline(discipline))
        for discipline, _, _ in cards
    ]
    with app.app_context():
        version = _version(
            [
                competency(
                    f"c{i}", name=f"Competency {i}", weight=float(w), min_level=m
                )
                for i, (w, m) in enumerate(specs)
            ]
        )
        sides = [discipline for discipline, _, _ in cards]
        plan = PlanSession(
            title="Panel",
            competency_keys=[f"c{i}" for i in range(len(specs))],
            clinical_seats=sides.count("clinical"),
            technical_seats=sides.count("technical"),
        )
        loop = start_loop(manager.id, version.rubric_id, [plan])
        for person, (discipline, recommendation, levels) in zip(
            people, cards, strict=True
        ):
            seat = _seat(loop, 0, discipline, person, T0)
            _submit(
                seat,
                person,
                version,
                levels,
                T0 + timedelta(hours=2),
                recommendation=recommendation,
            )
        db.session.commit()
        return loop.id


def _ta(make_user, auth):
    ta = make_user(Role.TALENT_ACQUISITION)
    auth.login(ta)
    return ta


def half_up(value: Fraction, places: int = 2) -> str:
    """The reference rounding: decimal arithmetic wide enough to be exact, half up."""
    with localcontext() as context:
        context.prec = 80
        quotient = Decimal(value.numerator) / Decimal(value.denominator)
        return str(quotient.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP))


def _exact(cards, key):
    """Each side's mean, every rating's, and the one that counts: the competencies
    here are for both sides, so the two side means averaged when both rated it."""
    sides = {"clinical": [], "technical": []}
    for discipline, _, levels in cards:
        if levels.get(key) is not None:
            sides[discipline].append(levels[key])
    every = sides["clinical"] + sides["technical"]
    means = {
        side: Fraction(sum(v), len(v)) if v else None
        for side, v in (*sides.items(), ("all", every))
    }
    means["counts"] = means["all"]
    if sides["clinical"] and sides["technical"]:
        means["counts"] = (means["clinical"] + means["technical"]) / 2
    means["levels"] = sides
    return means


def _chart_labels(document: str, key: str) -> dict:
    group = re.search(rf'<g data-competency="{key}">(.*?)</g>', document, re.DOTALL)
    group = group.group(1)
    found = dict(re.findall(r">([CT]) ([0-9.]+)</text>", group))
    return {"clinical": found.get("C"), "technical": found.get("T")}


def _gap_sentence(document: str, name: str):
    """(clinical count, technical count, gap, clinical figure, technical figure)."""
    found = re.search(
        r"(One|[0-9]+) clinical and (one|[0-9]+) technical interviewers? differed by "
        rf"([0-9.]+) levels? on {name}: clinical (?:mean )?([0-9.]+)[^,]*, "
        r"technical (?:mean )?([0-9.]+)",
        document,
    )
    if not found:
        return None
    counts = [1 if n.lower() == "one" else int(n) for n in found.groups()[:2]]
    return (*counts, *found.groups()[2:])


def _must_meet_mean(document: str, name: str) -> str | None:
    below = rf"{name}: (?:mean ([0-9.]+) is below|[^<]*?; mean ([0-9.]+))"
    found = re.search(below, document)
    return (found.group(1) or found.group(2)) if found else None


def _cells(page: str, key: str) -> list[str]:
    """The means table's cells for one competency: each cell's leading text."""
    row = re.search(rf'<tr id="means-{key}">(.*?)</tr>', page, re.DOTALL).group(1)
    return [
        re.match(r"[^<]*", cell).group(0).strip()
        for cell in re.findall(r"<td>(.*?)</td>", row, re.DOTALL)
    ]


def _side_figure(means, side: str) -> str:
    """How a gap sentence prints a side: its one level, or its mean."""
    levels = means["levels"][side]
    return str(levels[0]) if len(levels) == 1 else half_up(means[side])


CARDS = st.lists(
    st.tuples(
        st.sampled_from(["clinical", "technical"]),
        st.integers(min_value=1, max_value=4),
        st.fixed_dictionaries(
            {},
            optional={
                f"c{i}": st.one_of(st.none(), st.integers(min_value=1, max_value=4))
                for i in range(3)
            },
        ),
    ),
    min_size=1,
    max_size=7,
)
SPECS = st.lists(
    st.tuples(
        st.decimals(min_value=Decimal("0.05"), max_value=100, places=2),
        st.sampled_from([None, 2, 3]),
    ),
    min_size=3,
    max_size=3,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=SPECS, cards=CARDS)
def test_every_printed_number_agrees_on_the_page_and_in_the_packet(
    app, client, auth, make_user, specs, cards
):
    loop_id = _panel(app, make_user, specs, cards)
    _ta(make_user, auth)
    page = html.unescape(client.get(f"/loops/{loop_id}/debrief").get_data(as_text=True))
    with app.app_context():
        packet = html.unescape(packet_html(db.session.get(Loop, loop_id)))

    assessed = []
    for i, (weight, minimum) in enumerate(specs):
        key, name = f"c{i}", f"Competency {i}"
        means = _exact(cards, key)
        printed = {
            s: half_up(m) if m is not None else None
            for s, m in means.items()
            if s != "levels"
        }
        count = len(means["levels"]["clinical"] + means["levels"]["technical"])
        if means["all"] is not None:
            assessed.append((Fraction(str(weight)), means["counts"]))
        # The table on the page: ratings, mean, median, range, clinical, technical.
        cells = _cells(page, key)
        table = {"counts": cells[1], "clinical": cells[4], "technical": cells[5]}
        wanted = ("counts", "clinical", "technical")
        assert table == {s: printed[s] or "—" for s in wanted}
        row = re.search(rf'<tr id="means-{key}">(.*?)</tr>', page, re.DOTALL).group(1)
        assert ("one interviewer only" in row) == (count == 1)
        balanced = all(means["levels"].values())
        assert ("the clinical and technical means averaged" in row) == balanced
        # The packet's competency page says the same.
        section = re.search(
            rf'<section class="page competency" id="competency-{key}">(.*?)</section>',
            packet,
            re.DOTALL,
        ).group(1)
        if means["all"] is not None:
            assert f": mean {printed['counts']}" in section
        if balanced:
            assert f"all {count} ratings together {printed['all']}" in section
        for side, other in (("clinical", "technical"), ("technical", "clinical")):
            alone = means["levels"][side] and not means["levels"][other]
            only = f"({side} ratings only: no {other} interviewer rated it)"
            assert (only in section) == bool(alone)
        for side in ("clinical", "technical"):
            if printed[side] is not None:
                assert f"{side} mean {printed[side]} (" in section
        for document in (page, packet):
            # Chart labels print the table's means.
            assert _chart_labels(document, key) == {
                "clinical": printed["clinical"],
                "technical": printed["technical"],
            }
            # The gap flag appears iff the exact gap is at least one level, and its
            # sentence prints how many rated on each side, their exact difference
            # and each side's rating or mean.
            gap = _gap_sentence(document, name)
            exact_gap = (
                abs(means["clinical"] - means["technical"])
                if means["clinical"] is not None and means["technical"] is not None
                else None
            )
            assert (gap is not None) == (exact_gap is not None and exact_gap >= 1)
            if gap is not None:
                whole = exact_gap.denominator == 1
                assert gap == (
                    len(means["levels"]["clinical"]),
                    len(means["levels"]["technical"]),
                    str(exact_gap.numerator) if whole else half_up(exact_gap),
                    _side_figure(means, "clinical"),
                    _side_figure(means, "technical"),
                )
            # Must-meet lists it iff a rating is below the minimum, with the mean
            # that counts, or iff nobody rated it ("cannot confirm the minimum").
            rated = [levels.get(key) for _, _, levels in cards]
            below = minimum is not None and any(
                r is not None and r < minimum for r in rated
            )
            mean = _must_meet_mean(document, name)
            assert (mean is not None) == below
            if below:
                assert mean == printed["counts"]
            unconfirmed = f"{name}: nobody rated it, so the panel cannot confirm"
            assert (unconfirmed in document) == (minimum is not None and not count)
    if assessed:
        score = sum(w * m for w, m in assessed) / sum(w for w, _ in assessed)
        headline = re.search(r'<strong id="overall-score">([^<]+)</strong>', page)
        formula = re.search(r'<span id="overall-formula">[^<]*= ([0-9.]+)</span>', page)
        assert formula.group(1) == half_up(score)
        packet_headline = re.search(r'<p class="score">([^<]+) <span', packet)
        assert headline.group(1) == packet_headline.group(1)
        # "3.0 (2.6 to 3.4)", or "3.0" alone: the score to one decimal, in its band
        found = re.fullmatch(r"([0-9.]+)(?: \(([0-9.]+) to ([0-9.]+)\))?", headline[1])
        assert found.group(1) == half_up(score, 1)
        if found.group(2):
            low, high = Decimal(found.group(2)), Decimal(found.group(3))
            assert 1 <= low <= Decimal(found.group(1)) <= high <= 4
        assert re.search(r'<p class="formula">[^<]*= ([0-9.]+)</p>', packet).group(
            1
        ) == half_up(score)


def test_the_headline_and_the_formula_agree_on_a_half(app, client, auth, make_user):
    # 3 × 0.35 + 2.5 × 0.65 = 2.675: '%.2f' printed 2.67 beside a formula ending 2.68
    cards = [
        ("clinical", 3, {"c0": 3, "c1": 2}),
        ("clinical", 3, {"c0": 3, "c1": 3}),
    ]
    loop_id = _panel(app, make_user, [(0.35, None), (0.65, None)], cards)
    _ta(make_user, auth)
    page = client.get(f"/loops/{loop_id}/debrief").get_data(as_text=True)
    # The headline is the same exact value to one decimal: 2.7.
    assert re.search(r'<strong id="overall-score">2\.7 \(', page)
    assert (
        "(3.00 [2 ratings] × 0.35 + 2.50 [2 ratings] × 0.65) / (0.35 + 0.65) = 2.68"
    ) in page


def test_the_headline_rounds_half_up_to_one_decimal(app, client, auth, make_user):
    # 2, 2, 3, 2: mean 9/4 = 2.25 exactly; '%.1f' says 2.2 (half to even)
    cards = [("clinical", 3, {"c0": level}) for level in (2, 2, 3, 2)]
    loop_id = _panel(app, make_user, [(1, None)], cards)
    _ta(make_user, auth)
    page = client.get(f"/loops/{loop_id}/debrief").get_data(as_text=True)
    assert re.search(r'<strong id="overall-score">2\.3 \(', page)
    assert "(2.25 [4 ratings] × 1) / (1) = 2.25" in page


def test_a_gap_of_exactly_one_level_is_flagged_on_the_page(
    app, client, auth, make_user
):
    # clinical 2, 3, 3 (8/3) against technical 1, 2, 2 (5/3)
    levels = [("clinical", 2), ("clinical", 3), ("clinical", 3)]
    levels += [("technical", 1), ("technical", 2), ("technical", 2)]
    cards = [(side, 3, {"c0": level}) for side, level in levels]
    loop_id = _panel(app, make_user, [(1, None)], cards)
    _ta(make_user, auth)
    page = client.get(f"/loops/{loop_id}/debrief").get_data(as_text=True)
    assert (
        "3 clinical and 3 technical interviewers differed by 1 level on Competency 0: "
        "clinical mean 2.67, technical mean 1.67"
    ) in page
    assert "C 2.67</text>" in page and "T 1.67</text>" in page


# --- replaced seats and independence flags -------------------------------------------


def _people(make_user):
    return {
        "manager": make_user(Role.HIRING_MANAGER),
        "clara": make_user(Role.INTERVIEWER, name="Clara Jensen"),
        "lena": make_user(Role.INTERVIEWER, name="Lena Vos"),
        "wei": make_user(
            Role.INTERVIEWER, discipline=Discipline.TECHNICAL, name="Wei Zhang"
        ),
    }


def _two_sessions(manager) -> Loop:
    """A loop of two sessions (clinical and technical seat each); call in a context."""
    version = _version([competency("workflow"), competency("privacy")])
    plan = [
        PlanSession(title="Case review", position=0, competency_keys=["workflow"]),
        PlanSession(title="Systems interview", position=1, competency_keys=["privacy"]),
    ]
    return start_loop(manager.id, version.rubric_id, plan)


def _text(document: str) -> str:
    """What a reader sees: tags dropped, entities read, whitespace folded."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", document)).split())


def _debrief(app, client, auth, manager, loop_id) -> tuple[str, str]:
    """The debrief page's and the packet's text, as the hiring manager reads them."""
    auth.login(manager)
    page = client.get(f"/loops/{loop_id}/debrief").get_data(as_text=True)
    with app.app_context():
        packet = packet_html(db.session.get(Loop, loop_id))
    return _text(page), _text(packet)


def test_a_replaced_seats_scorecard_still_counts_and_says_so(
    app, client, auth, make_user
):
    who = _people(make_user)
    with app.app_context():
        loop = _two_sessions(who["manager"])
        version = loop.rubric_version
        clara_seat = _seat(loop, 0, "clinical", who["clara"], T0)
        clara_card = _submit(
            clara_seat, who["clara"], version, {"workflow": 2}, T0 + timedelta(hours=1)
        )
        wei_seat = _seat(loop, 0, "technical", who["wei"], T0)
        _submit(wei_seat, who["wei"], version, {"workflow": 3}, T0 + timedelta(hours=1))
        # Clara is replaced by Lena a day later (loops/operations.py assign_seat: the
        # seat is retired and a fresh one opens); Lena has not written yet.
        clara_seat.removed_at = T0 + timedelta(days=1)
        db.session.add(
            PanelSeat(
                session=loop.sessions[0],
                discipline=Discipline.CLINICAL,
                interviewer_id=who["lena"].id,
                assigned_at=T0 + timedelta(days=1),
            )
        )
        clara_card.summary = "Clara's summary of the case review."
        db.session.commit()
        loop_id = loop.id
    page, packet = _debrief(app, client, auth, who["manager"], loop_id)

    # Active seats: Lena's (nothing yet) and Wei's (in): one missing, not zero.
    counts = "1 of 2 scorecards submitted, 1 missing; 1 more from a replaced seat"
    assert counts in page
    assert "1 of 2 submitted, 1 missing; 1 more from a replaced seat" in packet
    note = (  # the manager reads UTC
        "Seat replaced on Tue 3 Mar 2026, 09:00 UTC; their submitted scorecard "
        "still counts"
    )
    # Her rating counts (clinical mean 2) and her evidence is shown, marked.
    assert "C 2.00" in page and "C 2.00" in packet
    replaced = "Replaced on Tue 3 Mar 2026, 09:00 UTC; their submitted scorecard still"
    assert (
        f"Clara Jensen clinical replaced seat Case review · {replaced} counts. 2 No "
        "Evidence from Clara Jensen on workflow."
    ) in page
    assert (
        f"Clara Jensen · clinical, Case review · 2 No · replaced seat {replaced} "
        "counts. Evidence from Clara Jensen on workflow."
    ) in packet
    # The page's panel table and the packet's cover list every seat that counts.
    for document in (page, packet):
        assert f"submitted Mon 2 Mar 2026, 10:00 UTC {note}" in document
        assert "Lena Vos clinical Case review" in document
        assert "Lena Vos clinical Case review not scheduled not started" in document
    # Each interviewer's page lists her, marked, with her summary.
    interviewers = packet.split("Each interviewer")[1]
    assert "Clara Jensen clinical, Case review replaced seat" in interviewers
    assert (
        f"Clara Jensen, Case review, summary {note}. Clara's summary of the case "
        "review."
    ) in interviewers


def test_an_amendment_is_compared_with_someone_elses_submission(
    app, client, auth, make_user
):
    who = _people(make_user)
    with app.app_context():
        loop = _two_sessions(who["manager"])
        version = loop.rubric_version
        clara_seat = _seat(loop, 0, "clinical", who["clara"], T0)
        # Clara submits first and amends before anyone else has submitted ...
        clara_card = _submit(
            clara_seat,
            who["clara"],
            version,
            {"workflow": 3},
            T0 + timedelta(hours=1),
            amended_at=T0 + timedelta(hours=1, minutes=30),
            amendment_count=1,
        )
        # ... and Wei submits after that: she saw nobody else's scorecard.
        wei_seat = _seat(loop, 0, "technical", who["wei"], T0)
        _submit(wei_seat, who["wei"], version, {"workflow": 3}, T0 + timedelta(hours=2))
        db.session.commit()
        loop_id, card_id = loop.id, clara_card.id
    page, packet = _debrief(app, client, auth, who["manager"], loop_id)
    for document in (page, packet):
        assert "Amended after others were visible" not in document

    with app.app_context():
        card = db.session.get(Scorecard, card_id)
        card.amended_at = T0 + timedelta(hours=3)  # an hour after Wei's went in
        card.amendment_count = 2
        db.session.commit()
    page, packet = _debrief(app, client, auth, who["manager"], loop_id)
    sentence = (
        "Clara Jensen amended their scorecard for Case review 1 hour after they "
        "could see the other scorecards"
    )
    assert sentence in page
    assert f"Amended after others were visible: {sentence}" in packet


def _second_seat_after_reading(who) -> Loop:
    """Clara could read Wei's scorecard from T0 + 1 h; at T0 + 2 h she is seated on
    the second session too, and submits that one at T0 + 4 h (no commit)."""
    loop = _two_sessions(who["manager"])
    version = loop.rubric_version
    wei_seat = _seat(loop, 0, "technical", who["wei"], T0)
    _submit(wei_seat, who["wei"], version, {"workflow": 3}, T0)
    first = _seat(loop, 0, "clinical", who["clara"], T0)
    _submit(first, who["clara"], version, {"workflow": 3}, T0 + timedelta(hours=1))
    second = _seat(loop, 1, "clinical", who["clara"], T0 + timedelta(hours=2))
    _submit(second, who["clara"], version, {"privacy": 4}, T0 + timedelta(hours=4))
    return loop


def test_a_second_seat_written_after_reading_the_panel_is_flagged(
    app, client, auth, make_user
):
    who = _people(make_user)
    with app.app_context():
        loop_id = _second_seat_after_reading(who).id
        db.session.commit()
    page, packet = _debrief(app, client, auth, who["manager"], loop_id)
    sentence = (
        "Clara Jensen submitted their scorecard for Systems interview 3 hours after "
        "they could read the other scorecards"
    )
    assert f"Written after reading the panel {sentence}" in page
    assert f"Written after reading the panel: {sentence}" in packet
    # Her first scorecard, and Wei's, were written before: one flag only.
    assert page.count("Written after reading the panel") == 1


def test_switching_sharing_off_later_keeps_the_flag_of_what_was_read(
    app, client, auth, make_user
):
    """The flag reads the sharing setting as it was when the panel could be read:
    turning sharing off afterwards does not wipe it."""
    from interview.loops.operations import save_requisition

    who = _people(make_user)
    with app.app_context():
        loop = _second_seat_after_reading(who)
        requisition = loop.requisition
        save_requisition(
            None,
            requisition,
            {
                "title": requisition.title,
                "discipline": str(requisition.discipline),
                "hiring_manager_id": str(requisition.hiring_manager_id),
                "default_rubric_id": str(requisition.default_rubric_id),
                "status": str(requisition.status),
                "share_scores_after_submit": False,
            },
        )
        db.session.commit()
        loop_id = loop.id
    page, packet = _debrief(app, client, auth, who["manager"], loop_id)
    assert page.count("Written after reading the panel") == 1
    assert "Written after reading the panel:" in packet
