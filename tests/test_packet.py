"""The PDF debrief packet: what it says, what it refuses to fetch, and how it fails."""

import io
import re
import shutil
import socket
import subprocess
import threading
from datetime import timedelta

import pypdf
import pytest
import sqlalchemy as sa

from interview.debrief import pdf as packet_pdf
from interview.debrief.packet import loop_synthesis
from interview.debrief.synthesis import fmt
from interview.demo_scorecards import EVIDENCE as DEMO_EVIDENCE
from interview.extensions import db
from interview.models import (
    Discipline,
    Loop,
    LoopStatus,
    PanelSeat,
    Role,
    ScorecardStatus,
)

from .builders import add_scorecard
from .test_debrief import T0, _people, _seat, _submit, _two_sessions
from .test_scorecards import _form, _second_seat

A4 = (595, 842)
LETTER = (612, 792)


def pages_text(data: bytes) -> list[str]:
    """Each page's text with whitespace folded, as a reader would search it."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def font_names(data: bytes) -> set[str]:
    """The embedded fonts' names, without the subset prefix ("ABCDEF+")."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    names = set()
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return names


def embedded_files(data: bytes) -> bool:
    reader = pypdf.PdfReader(io.BytesIO(data))
    names = reader.trailer["/Root"].get("/Names")
    return bool(names and "/EmbeddedFiles" in names.get_object())


@pytest.fixture
def demo(app, runner):
    """The demo data, and the loop in debrief with every scorecard submitted."""
    runner.invoke(args=["seed-demo"])
    with app.app_context():
        loop = db.session.scalar(
            sa.select(Loop).where(Loop.status == LoopStatus.DEBRIEF)
        )
        return {"loop_id": loop.id, "candidate": loop.candidate.name}


def _sign_in_demo(client, email):
    from interview.demo import DEMO_ACCOUNTS

    password = next(a["password"] for a in DEMO_ACCOUNTS if a["email"] == email)
    client.submit("/sign-in", {"email": email, "password": password})


def test_the_demo_packet_tells_the_whole_story(app, client, demo):
    _sign_in_demo(client, "hamid.hm@demo.example")
    response = client.get(f"/loops/{demo['loop_id']}/debrief.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert (
        f'filename="debrief-{demo["loop_id"]}-priya-raman-a4.pdf"'
        in (response.headers["Content-Disposition"])
    )
    pages = pages_text(response.data)
    text = " ".join(pages)
    with app.app_context():
        result = loop_synthesis(db.session.get(Loop, demo["loop_id"]))
    assert result.submitted == result.expected  # every scorecard is in
    assert demo["candidate"] in pages[0] and "Hamid Rahimi" in pages[0]
    assert f"{result.overall.headline} on a scale" in pages[1]
    assert result.overall.headline.startswith(f"{fmt(result.overall.score, 1)} (")
    assert " ".join(result.overall.band_text.split()) in text
    assert " ".join(result.overall.formula.split()) in text
    kinds = {f.kind for f in result.flags}
    assert {"cross_functional_gap", "stale"} <= kinds  # the demo's story
    for flag in result.flags:
        assert f"{flag.kind.label}: {' '.join(flag.sentence.split())}" in pages[1]
    for _level, evidence in list(DEMO_EVIDENCE.values())[:4]:
        assert evidence in text
    # Running header, page numbers and the confidentiality footer on every page.
    for number, page in enumerate(pages, start=1):
        assert f"page {number} of {len(pages)}" in page
        assert "Confidential" in page
        if number > 1:
            assert f"{demo['candidate']} · Clinical Informatics Analyst" in page
    assert "Each interviewer" in text and "APPENDIX Rubric:" in text


def test_a_loop_without_scorecards_gets_a_packet_that_says_so(app, client, auth, seat):
    with app.app_context():
        loop_id = db.session.scalar(sa.select(Loop.id))
    auth.login(seat["manager"])
    response = client.get(f"/loops/{loop_id}/debrief.pdf")
    assert response.status_code == 200
    text = " ".join(pages_text(response.data))
    assert "No scorecard has been submitted for this loop yet" in text
    assert "Clara Jensen" in text and "not started" in text  # the cover's panel


def _submitted_loop(app, client, auth, seat, make_user, clara_evidence, **names):
    """Clara and Wei both submit on the seat's session; returns the loop id."""
    second = _second_seat(app, seat, make_user)
    auth.login(second["wei"])
    client.submit(
        f"/interviews/{second['id']}",
        _form(
            submit="y", level_workflow="2", evidence_workflow=names.get("wei", "x" * 30)
        ),
    )
    auth.logout()
    auth.login(seat["clara"])
    client.submit(
        f"/interviews/{seat['id']}",
        _form(submit="y", evidence_workflow=clara_evidence),
    )
    auth.logout()
    return second["loop_id"]


def _rename(app, loop_id, candidate=None, **people):
    from interview.models import User

    with app.app_context():
        loop = db.session.get(Loop, loop_id)
        if candidate:
            loop.candidate.name = candidate
        for old, new in people.items():
            db.session.scalar(sa.select(User).where(User.name == old)).name = new
        db.session.commit()


SCRIPTS = {
    "Greek": "Ελένη Παπαδοπούλου",
    "Cyrillic": "Жанна Кузнецова",
    "CJK": "王小明说明了数据流程",
    "Arabic": "شرحت الممرضة سير العمل",
    "Hebrew": "היא הסבירה את התהליך",
    "emoji": "🩺👩‍⚕️",
    "accented": "Sofía Núñez-Øberg",
}


def _system_font_for(char: str) -> bool:
    if not shutil.which("fc-list"):
        return False
    found = subprocess.run(
        ["fc-list", f":charset={ord(char):x}", "family"],
        capture_output=True,
        text=True,
        check=False,
    )
    return bool(found.stdout.strip())


def test_names_and_evidence_in_any_script_print(app, client, auth, seat, make_user):
    missing = [
        s for s in ("CJK", "Arabic", "emoji") if not _system_font_for(SCRIPTS[s][0])
    ]
    assert not missing, (
        f"no system font for {missing}: `make test` installs fonts-noto-* "
        "(scripts/system-packages.sh)"
    )
    evidence = " · ".join(SCRIPTS[s] for s in ("CJK", "Arabic", "Hebrew", "emoji"))
    loop_id = _submitted_loop(app, client, auth, seat, make_user, evidence)
    _rename(
        app,
        loop_id,
        candidate=SCRIPTS["Greek"],
        **{"Clara Jensen": SCRIPTS["Cyrillic"], "Wei Zhang": SCRIPTS["accented"]},
    )
    auth.login(seat["manager"])
    data = client.get(f"/loops/{loop_id}/debrief.pdf").data
    text = " ".join(pages_text(data))
    for script, sample in SCRIPTS.items():
        assert sample in text, script
    fonts = font_names(data)
    # Latin, Greek and Cyrillic come from the packaged font; the rest fall back.
    assert {"Packet-Sans", "Packet-Sans-Bold"} <= fonts
    assert any("CJK" in f for f in fonts) and any("Emoji" in f for f in fonts)


def test_latin_greek_and_cyrillic_need_no_system_font():
    html = f"<p>Ana Souza, {SCRIPTS['Greek']}, {SCRIPTS['Cyrillic']}, {SCRIPTS['accented']}</p>"
    styled = '<link rel="stylesheet" href="asset:packet.css">' + html
    data = packet_pdf.render(styled)
    assert font_names(data) == {"Packet-Sans"}
    assert SCRIPTS["Greek"] in pages_text(data)[0]


class Listener:
    """A TCP socket on 127.0.0.1 that counts the connections made to it."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.sendall(b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            conn.close()

    def close(self):
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


def hostile_html(port: int) -> str:
    here = f"http://127.0.0.1:{port}"
    return f"""
    <link rel="stylesheet" href="{here}/style.css">
    <style>@import url("{here}/import.css"); p {{ background: url("{here}/bg.png") }}</style>
    <p>Evidence <img src="{here}/pixel.png" alt="pixel"></p>
    <a rel="attachment" href="file:///etc/passwd">passwd</a>
    <img src="file:///etc/passwd"><object data="{here}/object"></object>
    <iframe src="{here}/frame"></iframe><embed src="{here}/embed">
    <svg><image href="{here}/svg.png" width="10" height="10"/></svg>
    <img src="asset:../pdf.py"><img src="asset:../../../etc/passwd">
    """


def test_the_fetcher_refuses_every_url_but_the_packet_assets(listener):
    fetcher = packet_pdf.fetcher_class()()
    data = packet_pdf.render(hostile_html(listener.port), fetcher=fetcher)
    assert listener.connections == 0
    assert not embedded_files(data)
    assert b"root:x:0:0" not in data
    assert any(u.startswith("file:///etc/passwd") for u in fetcher.refused)
    assert any(u.endswith("/pixel.png") for u in fetcher.refused)
    assert any(u.startswith("asset:../") for u in fetcher.refused)


def test_without_our_fetcher_weasyprint_would_have_fetched(listener):
    """The control for the test above: the listener does see WeasyPrint's default."""
    from weasyprint import HTML

    HTML(string=hostile_html(listener.port)).write_pdf()
    assert listener.connections >= 1


def test_an_image_tag_in_evidence_neither_fetches_nor_renders(
    app, client, auth, seat, make_user, listener
):
    tag = f'<img src="http://127.0.0.1:{listener.port}/">'
    attach = '<a rel="attachment" href="file:///etc/passwd">see file</a>'
    loop_id = _submitted_loop(
        app, client, auth, seat, make_user, f"Pasted from an email: {tag} {attach}"
    )
    auth.login(seat["manager"])
    response = client.get(f"/loops/{loop_id}/debrief.pdf")
    assert response.status_code == 200
    assert listener.connections == 0
    assert not embedded_files(response.data)
    assert tag in " ".join(pages_text(response.data))  # printed as the text it is


def test_long_evidence_flows_across_pages_without_being_cut(
    app, client, auth, seat, make_user
):
    sentences = [
        f"Observation {n} about the ward round and the order set." for n in range(320)
    ]
    unbroken = "https://example.org/" + "a" * 600  # one word wider than the page
    evidence = " ".join(sentences) + " " + unbroken + " The end of Clara's evidence."
    loop_id = _submitted_loop(app, client, auth, seat, make_user, evidence)
    auth.login(seat["manager"])
    pages = pages_text(client.get(f"/loops/{loop_id}/debrief.pdf").data)
    holding = [i for i, p in enumerate(pages) if "Observation" in p]
    assert len(holding) >= 2  # it flowed onto a further page
    text = "".join(pages[i] for i in holding).replace(" ", "")
    assert "Observation0about" in text and "Observation319about" in text
    assert "a" * 600 in text and "TheendofClara'sevidence." in text


def _page_size(data: bytes) -> tuple[int, int]:
    box = pypdf.PdfReader(io.BytesIO(data)).pages[0].mediabox
    return round(float(box.width)), round(float(box.height))


def test_page_size_is_a4_by_default_and_letter_on_request(app, client, auth, seat):
    with app.app_context():
        loop_id = db.session.scalar(sa.select(Loop.id))
    auth.login(seat["manager"])
    url = f"/loops/{loop_id}/debrief.pdf"
    assert _page_size(client.get(url).data) == A4
    assert _page_size(client.get(url + "?size=letter").data) == LETTER
    assert _page_size(client.get(url + "?size=tabloid").data) == A4
    app.config["DEBRIEF_PAGE_SIZE"] = "letter"
    assert _page_size(client.get(url).data) == LETTER


def _xmp(data: bytes) -> str:
    metadata = pypdf.PdfReader(io.BytesIO(data)).trailer["/Root"].get("/Metadata")
    return metadata.get_object().get_data().decode() if metadata else ""


def test_the_archival_variant_is_pdf_a(app, client, auth, seat):
    with app.app_context():
        loop_id = db.session.scalar(sa.select(Loop.id))
    auth.login(seat["manager"])
    plain = client.get(f"/loops/{loop_id}/debrief.pdf").data
    archival = client.get(f"/loops/{loop_id}/debrief.pdf?archival=1").data
    assert "pdfaid" not in _xmp(plain)
    assert re.search(r"pdfaid:part(>|=\")3", _xmp(archival))


def test_the_debrief_page_offers_the_pdf(app, client, auth, seat):
    with app.app_context():
        loop_id = db.session.scalar(sa.select(Loop.id))
        # Once a scorecard is in (test_debrief_links: no packet of nothing).
        add_scorecard(
            seat["id"],
            seat["clara"].id,
            status=ScorecardStatus.SUBMITTED,
            submitted_at=T0,
            overall_recommendation=3,
        )
    auth.login(seat["manager"])
    page = client.get(f"/loops/{loop_id}/debrief").get_data(as_text=True)
    assert f'href="/loops/{loop_id}/debrief.pdf"' in page
    assert f'href="/loops/{loop_id}/debrief.pdf?size=letter"' in page


@pytest.mark.parametrize("who", ["uninvolved_interviewer", "other_manager"])
def test_who_may_not_read_the_debrief_may_not_print_it(
    app, client, auth, seat, make_user, who
):
    from interview.models import Discipline

    with app.app_context():
        loop_id = db.session.scalar(sa.select(Loop.id))
    if who == "other_manager":
        user = make_user(Role.HIRING_MANAGER)
    else:
        user = make_user(Role.INTERVIEWER, discipline=Discipline.TECHNICAL)
    auth.login(user)
    assert client.get(f"/loops/{loop_id}/debrief.pdf").status_code == 403
    auth.logout()
    auth.login(seat["clara"])  # seated, but has not submitted yet
    assert client.get(f"/loops/{loop_id}/debrief.pdf").status_code == 403


@pytest.fixture
def app_config(request):
    return getattr(request, "param", {})


@pytest.mark.parametrize(
    "app_config", [{"DEBRIEF_RENDER_TIMEOUT": 0.001}], indirect=True
)
def test_a_packet_over_the_time_limit_gets_a_clear_page_and_the_site_keeps_serving(
    app, client, auth, seat
):
    with app.app_context():
        loop_id = db.session.scalar(sa.select(Loop.id))
    auth.login(seat["manager"])
    response = client.get(f"/loops/{loop_id}/debrief.pdf")
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "took longer than 0.001 seconds" in page and "debrief page" in page
    assert "Traceback" not in page
    assert client.get(f"/loops/{loop_id}/debrief").status_code == 200


def replaced_and_flagged(app, make_user) -> dict:
    """A loop with a replaced seat and both independence flags (timings written in).

    Case review: Wei (technical) submits at T0, Clara (clinical) at T0 + 1 h and
    amends at T0 + 5 h. Systems interview: Tom (technical) submits at T0 + 3 h and is
    replaced by Sam a day later; Clara, seated there at T0 + 2 h, submits at T0 + 4 h.
    """
    who = _people(make_user)
    tom = make_user(Role.INTERVIEWER, discipline=Discipline.TECHNICAL, name="Tom Berg")
    sam = make_user(Role.INTERVIEWER, discipline=Discipline.TECHNICAL, name="Sam Okoro")
    hours = [T0 + timedelta(hours=h) for h in range(6)]
    with app.app_context():
        loop = _two_sessions(who["manager"])
        v = loop.rubric_version
        wei, clara = who["wei"], who["clara"]
        _submit(_seat(loop, 0, "technical", wei, T0), wei, v, {"workflow": 3}, hours[0])
        _submit(
            _seat(loop, 0, "clinical", clara, T0),
            clara,
            v,
            {"workflow": 2},
            hours[1],
            amended_at=hours[5],
            amendment_count=1,
            summary="Knew the ward's handover well; amended after a second look.",
        )
        tom_seat = _seat(loop, 1, "technical", tom, T0)
        _submit(tom_seat, tom, v, {"privacy": 2}, hours[3], summary="Thin on HIPAA.")
        second = _seat(loop, 1, "clinical", clara, hours[2])
        _submit(second, clara, v, {"privacy": 4}, hours[4])
        tom_seat.removed_at = T0 + timedelta(days=1)
        db.session.add(
            PanelSeat(
                session=loop.sessions[1],
                discipline=Discipline.TECHNICAL,
                interviewer_id=sam.id,
                assigned_at=T0 + timedelta(days=1),
            )
        )
        db.session.commit()
        return {"loop_id": loop.id, "manager": who["manager"]}


def test_the_packet_shows_replaced_seats_and_independence_flags(
    app, client, auth, make_user
):
    built = replaced_and_flagged(app, make_user)
    auth.login(built["manager"])
    response = client.get(f"/loops/{built['loop_id']}/debrief.pdf")
    assert response.status_code == 200
    pages = pages_text(response.data)
    text = " ".join(pages)
    # Active seats: Clara twice, Wei, Sam (nothing yet); Tom's replaced one counts.
    assert (
        "3 of 4 submitted, 1 missing; 1 more from a replaced seat still counts"
        in pages[0]
    )
    assert (
        "Tom Berg technical Systems interview not scheduled submitted Mon 2 Mar 2026, "
        "12:00 UTC Seat replaced on Tue 3 Mar 2026, 09:00 UTC; their submitted "
        "scorecard still counts"
    ) in pages[0]
    assert (
        "Sam Okoro technical Systems interview not scheduled not started" in (pages[0])
    )
    assert (
        "Written after reading the panel: Clara Jensen submitted their scorecard for "
        "Systems interview 3 hours after they could read the other scorecards"
    ) in text
    assert (
        "Amended after others were visible: Clara Jensen amended their scorecard for "
        "Case review 4 hours after they could see the other scorecards"
    ) in text
    interviewers = text.split("Each interviewer")[1]
    assert "Tom Berg technical, Systems interview replaced seat" in interviewers
    assert "Tom Berg, Systems interview, summary Seat replaced on" in interviewers


def test_the_packet_name_keeps_accented_letters(app, client, auth, seat):
    """Issue 14, fresh-user test: "Ünïcødé" was saved as ``unicde``; its accents
    are dropped, not its letters, and ø is spelled o. The header also carries the
    name's own letters as a UTF-8 ``filename*`` (RFC 6266)."""
    from types import SimpleNamespace
    from urllib.parse import unquote

    from interview.debrief.documents import packet_filename

    def named(name):
        return SimpleNamespace(id=7, candidate=SimpleNamespace(name=name))

    assert packet_filename(named("Ünïcødé")) == "debrief-7-unicode.pdf"
    assert packet_filename(named("Sofía Núñez-Øberg Łukasz Straße Æsa")) == (
        "debrief-7-sofia-nunez-oberg-lukasz-strasse-aesa.pdf"
    )
    assert packet_filename(named("Жанна")) == "debrief-7.pdf"  # ASCII-safe
    with app.app_context():
        loop_id = db.session.scalar(sa.select(Loop.id))
    _rename(app, loop_id, candidate="Ünïcødé Þór")
    auth.login(seat["manager"])
    header = client.get(f"/loops/{loop_id}/debrief.pdf").headers["Content-Disposition"]
    name, own = re.fullmatch(
        r"inline; filename=\"([^\"]+)\"; filename\*=UTF-8''(\S+)", header
    ).groups()
    assert name == f"debrief-{loop_id}-unicode-thor-a4.pdf"
    assert header.isascii()
    assert unquote(own) == f"debrief-{loop_id}-ünïcødé-þór-a4.pdf"
