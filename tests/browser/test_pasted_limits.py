"""A text pasted past a text area's limit is not cut silently (issue 14): the browser
keeps all of it, the field says how far over it is as one types or pastes, and the
server refuses it with its length message, the text kept for shortening."""

from playwright.sync_api import Page, expect

from interview.models import Role

from .test_accessibility import sign_in

PASTED = "Referred by the ward manager. " * 668 + "Over"  # 20,044 characters


def test_a_paste_past_the_limit_is_kept_and_said_to_be_too_long(
    page: Page, make_account
):
    sign_in(page, make_account(Role.TALENT_ACQUISITION))
    page.goto("/candidates/new")
    page.get_by_label("Name", exact=True).fill("Amara Okafor")
    notes = page.get_by_label("Notes", exact=True)
    notes.focus()
    page.keyboard.insert_text(PASTED)  # as a paste: maxlength would cut it
    assert len(notes.input_value()) == len(PASTED)
    count = page.locator("#notes-count")
    expect(count).to_have_text(
        "Too long: 20,044 characters, at most 20,000. Remove 44 to save; "
        "nothing was cut."
    )
    page.get_by_role("button", name="Save candidate").click()
    expect(page.locator("#notes-error")).to_contain_text(
        "Too long: 20,044 characters, at most 20,000."
    )
    assert page.get_by_label("Notes", exact=True).input_value() == PASTED


def test_a_screen_reader_hears_the_thresholds_not_every_key(page: Page, make_account):
    """The counter under the field changes on every key; a screen reader must not
    read it after each one. Its polite status speaks only when the text crosses a
    threshold (10%, 5%, 1% left, none left, over the limit)."""
    sign_in(page, make_account(Role.TALENT_ACQUISITION))
    page.goto("/candidates/new")
    notes = page.get_by_label("Notes", exact=True)
    count = page.locator("#notes-count")
    spoken = page.locator("#notes ~ [role=status]")
    expect(spoken).to_have_count(1)
    notes.fill("x" * 18_500)  # crosses 10% left
    expect(count).to_have_text("1,500 characters left.")
    expect(spoken).to_have_text("1,500 characters left.")
    notes.press("End")
    page.keyboard.type("abc")
    expect(count).to_have_text("1,497 characters left.")
    expect(spoken).to_have_text("1,500 characters left.")  # not said again
    page.keyboard.insert_text("y" * 497)  # crosses 5% left
    expect(count).to_have_text("1,000 characters left.")
    expect(spoken).to_have_text("1,000 characters left.")
    page.keyboard.type("zz")
    expect(count).to_have_text("998 characters left.")
    expect(spoken).to_have_text("1,000 characters left.")
    page.keyboard.insert_text(PASTED[:1_042])  # a paste past the limit
    expect(count).to_have_text(
        "Too long: 20,044 characters, at most 20,000. Remove 44 to save; "
        "nothing was cut."
    )
    expect(spoken).to_have_text(
        "Too long: 20,044 characters, at most 20,000. Remove 44 to save; "
        "nothing was cut."
    )


def test_a_one_line_field_keeps_a_paste_past_its_limit(page: Page, make_account):
    """Names, titles and places had maxlength: a name pasted past 200 characters lost
    its end and nobody said so (issue 14). Each one-line field now counts as the
    text areas do, and the server refuses, showing the whole paste again."""
    sign_in(page, make_account(Role.TALENT_ACQUISITION))
    page.goto("/candidates/new")
    pasted = "Anna-Lena Müller-Lüdenscheidt " * 8 + "von Hohenzollern"  # 256
    name = page.get_by_label("Name", exact=True)
    name.focus()
    page.keyboard.insert_text(pasted)
    assert name.input_value() == pasted
    too_long = (
        "Too long: 256 characters, at most 200. Remove 56 to save; nothing was cut."
    )
    expect(page.locator("#name-count")).to_have_text(too_long)
    expect(page.locator("#name ~ [role=status]")).to_have_text(too_long)
    described = name.get_attribute("aria-describedby") or ""
    assert "name-count" in described.split()
    source = page.get_by_label("Source", exact=True)
    source.fill("LinkedIn")
    expect(page.locator("#source-count")).to_have_text("")  # far from its limit
    page.get_by_role("button", name="Save candidate").click()
    expect(page.locator("#name-error")).to_have_text(
        "Too long: 256 characters, at most 200. Shorten it; your text is kept here."
    )
    assert page.get_by_label("Name", exact=True).input_value() == pasted
    expect(page.locator("#name-count")).to_have_text("")  # the server's says it
    assert page.get_by_label("Source", exact=True).input_value() == "LinkedIn"


def test_the_servers_too_long_message_is_not_said_twice(page: Page, make_account):
    """Issue 14, fresh-user test: after a refused save, "Too long: ... Shorten it"
    (the server's) and "Too long: ... Remove 56 to save" (the counter's) both showed
    under the field. The counter keeps quiet until the text is edited; then the live
    count replaces the server's message, for the eye and the screen reader."""
    sign_in(page, make_account(Role.TALENT_ACQUISITION))
    page.goto("/candidates/new")
    name = page.get_by_label("Name", exact=True)
    name.focus()
    page.keyboard.insert_text("x" * 256)
    page.get_by_role("button", name="Save candidate").click()
    served = page.locator("#name-error")
    expect(served).to_contain_text("Too long: 256 characters, at most 200.")
    expect(page.locator("#name-count")).to_have_text("")
    expect(page.locator("#name ~ [role=status]")).to_have_text("")
    name = page.get_by_label("Name", exact=True)
    assert "name-error" in (name.get_attribute("aria-describedby") or "").split()
    name.press("End")
    page.keyboard.press("Backspace")
    expect(served).to_be_hidden()
    expect(page.locator("#name-count")).to_have_text(
        "Too long: 255 characters, at most 200. Remove 55 to save; nothing was cut."
    )
    described = (name.get_attribute("aria-describedby") or "").split()
    assert "name-error" not in described and "name-count" in described
    expect(page.locator(".error:visible", has_text="Too long")).to_have_count(1)
