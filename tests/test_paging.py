"""The pure rules behind every list: which page to show, and how text is folded."""

from hypothesis import given
from hypothesis import strategies as st

from interview.paging import SIZES, Page, bounded, clamp, offset, page_request
from interview.search import MAX_QUERY, MAX_TERMS, fold, like_pattern, search_key, terms

any_text = st.text(max_size=30) | st.sampled_from(
    ["", "0", "-1", "1e3", "٣", "²", " 7 "]
)


@given(page=any_text, size=any_text, sort=any_text, total=st.integers(0, 10**7))
def test_any_request_gives_a_page_that_exists(page, size, sort, total):
    wanted = page_request({"page": page, "size": size, "sort": sort}, ["name", "new"])
    assert wanted.size in SIZES and wanted.sort in ("name", "new") and wanted.page >= 1
    shown = clamp(wanted, total)
    pages = max(1, -(-total // shown.size))
    assert 1 <= shown.page <= pages
    assert offset(shown) < max(total, 1)


@given(total=st.integers(0, 2000), size=st.sampled_from(SIZES))
def test_pages_cover_every_row_once(total, size):
    rows = list(range(total))
    seen = []
    pages = max(1, -(-total // size))
    for n in range(1, pages + 1):
        request = clamp(page_request({"page": str(n), "size": str(size)}, ["x"]), total)
        start = offset(request)
        page = Page(rows[start : start + size], request.page, size, total, "x")
        assert page.first == (start + 1 if total else 0)
        assert page.last == start + len(page.items)
        seen += page.items
    assert seen == rows


@given(current=st.integers(1, 5000), pages=st.integers(1, 5000))
def test_page_links_keep_the_ends_and_the_neighbours(current, pages):
    current = min(current, pages)
    window = Page([], current, 25, pages * 25, "x").window()
    numbers = [n for n in window if n is not None]
    assert numbers == sorted(set(numbers))
    assert {1, pages, current} <= set(numbers)
    assert len(window) <= 9
    assert all(n is None or 1 <= n <= pages for n in window)


@given(st.text())
def test_folding_is_idempotent_and_never_grows_the_words(text):
    once = fold(text)
    assert fold(once) == once
    assert once == once.casefold() and "\t" not in once


@given(st.text(max_size=5000))
def test_a_query_is_bounded(text):
    words = terms(text)
    assert len(words) <= MAX_TERMS
    assert sum(map(len, words)) <= MAX_QUERY * 3  # folding may lengthen ß to ss
    assert all(w and w.isprintable() and " " not in w for w in words)


def test_folding_examples():
    assert fold("Zoë  ÅNGSTRÖM") == "zoe angstrom"
    assert fold("Łukasz Wójcik, Søren, Straße") == "lukasz wojcik, soren, strasse"
    assert (
        search_key("José Núñez", "Jose@Example.org") == "jose nunez\tjose@example.org"
    )
    assert terms("  Zoë zoe ZOË ") == ["zoe"]
    assert like_pattern("50%_a\\b") == "%50\\%\\_a\\\\b%"


@given(
    counted=st.integers(0, 10**6),
    limit=st.integers(1, 10**5),
    page=any_text,
    size=any_text,
)
def test_a_bounded_count_never_offers_a_page_past_the_limit(counted, limit, page, size):
    total, more = bounded(min(counted, limit + 1), limit)
    assert more == (counted > limit)
    assert total == min(counted, limit)
    shown = clamp(page_request({"page": page, "size": size}, ["x"]), total)
    assert offset(shown) < max(limit, 1)
