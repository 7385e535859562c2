"""Links that reopen a lesson as it was set up, bad links, and embed mode (issue #19 items 1 and 3;
issue #18 item 1 for links).

A link is copied on one browser and opened in another browser context (fresh storage, no shared
state): the student there must see the same values. A link carrying markup in its keys and values
must show each as text in the notice and run nothing, and embed mode must show the lesson without
the course's navigation and pass axe.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest
from playwright.sync_api import expect
from test_injection import assert_nothing_ran

from app.trainer.settings import DEFAULT_PRESET, LABELS, PRESETS

pytestmark = pytest.mark.browser

KERNEL = "0 1 0\n1 -4 1\n0 1 0"
KERNEL_BOX = "Kernel (3×3, one row per line)"


def _route_and_query(page) -> tuple[str, str]:
    route, _, query = page.evaluate("location.hash").lstrip("#").partition("?")
    return route, query


def test_a_changed_lesson_reopens_from_its_link_in_a_fresh_browser(new_page) -> None:
    teacher = new_page(permissions=["clipboard-read", "clipboard-write"])
    teacher.open_lesson("convolution")
    box = teacher.get_by_label(KERNEL_BOX)
    box.fill(KERNEL)
    box.blur()
    teacher.get_by_role("button", name="Next ▶").click()
    teacher.get_by_role("button", name="Photograph").click()
    teacher.get_by_label("Kernel", exact=True).first.select_option("Box blur")
    teacher.wait_for_function("location.hash.includes('filter=Box%20blur')")
    route, query = _route_and_query(teacher)
    assert route == "convolution"
    assert query == (f"kernel={quote(KERNEL, safe='')}&cell=1&picture=Photograph&filter=Box%20blur")
    # Copy link is a keyboard-reachable button with a visible confirmation.
    copy = teacher.get_by_role("button", name="Copy link")
    copy.focus()
    teacher.keyboard.press("Enter")
    expect(teacher.locator(".copy-status")).to_have_text(
        "Link copied. It opens this lesson with your settings."
    )
    link = teacher.evaluate("navigator.clipboard.readText()")
    assert link == teacher.url

    student = new_page()
    student.goto(link)
    student.wait_ready("convolution")
    expect(student.get_by_label(KERNEL_BOX)).to_have_value(KERNEL)
    expect(student.get_by_label("Jump to output cell")).to_have_value("row 1, column 2")
    expect(student.get_by_role("button", name="Photograph")).to_have_class(
        re.compile(r"\bbk-active\b")
    )
    expect(student.get_by_label("Kernel", exact=True).first).to_have_value("Box blur")
    expect(student.locator("#link-notice")).to_be_hidden()
    assert _route_and_query(student) == ("convolution", query)
    # Where the clipboard cannot be used, the link is shown, selected, to copy by hand.
    student.evaluate("Object.defineProperty(navigator, 'clipboard', {value: undefined})")
    student.get_by_role("button", name="Copy link").click()
    field = student.get_by_label("Link to this view")
    expect(field).to_be_focused()
    expect(field).to_have_value(link)
    teacher.raise_problems()
    student.raise_problems()


def test_a_bad_link_is_named_in_a_notice_runs_nothing_and_embeds_without_navigation(
    page, axe
) -> None:
    script = "<script>window.__xss=1</script>"
    image = "<img src=x onerror=window.__xss=1>"
    javascript = "javascript:window.__xss=1"
    query = "&".join(
        [
            "embed",
            "stride=3",
            f"{quote(script)}=1",
            f"size={quote(image)}",
            f"padding={quote(javascript)}",
            "window=99",
        ]
    )
    page.goto(f"{page.site_url}index.html#stride-padding?{query}")
    page.wait_ready("stride-padding")
    notice = page.locator("#link-notice")
    expect(notice).to_be_visible()
    expect(notice.locator("li")).to_have_text(
        [
            f"Ignored “{script}”: this page has no such setting.",
            f"Ignored size = “{image}”: not one of its choices (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, "
            "11, 12).",
            f"Ignored padding = “{javascript}”: not one of its choices (0, 1, 2, 3).",
            # stride 3 leaves 2×2 windows: positions 0 to 3
            "Ignored window = “99”: outside its range (0 to 3).",
        ]
    )
    expect(page.get_by_label("Stride s", exact=True)).to_have_value("3")  # the good part applies
    assert_nothing_ran(page)
    # The URL keeps what was applied (and embed mode), so Copy link copies a clean link.
    assert _route_and_query(page) == ("stride-padding", "stride=3&embed")

    # Embed mode: the lesson without the course's navigation, header or footer.
    for chrome in ("#lesson-nav", ".topbar", ".footer"):
        expect(page.locator(chrome)).to_be_hidden()
    expect(page.get_by_role("heading", level=1, name="Stride and padding")).to_be_visible()
    expect(page.get_by_role("button", name="Copy link")).to_be_visible()
    axe(page)

    # The trainer's settings travel as its versioned settings dict, checked field by field.
    settings = {**PRESETS[DEFAULT_PRESET].to_dict(), "epochs": 3, "lr": 0.002}
    page.evaluate(
        "(hash) => { location.hash = hash; }", f"trainer?settings={quote(json.dumps(settings))}"
    )
    page.wait_ready("trainer")
    expect(page.get_by_label(LABELS["epochs"], exact=True)).to_have_value("3")
    expect(page.get_by_label(LABELS["lr"], exact=True)).to_have_value("0.002")
    expect(notice).to_be_hidden()
    older = {**settings, "version": 0}
    page.evaluate(
        "(hash) => { location.hash = hash; }", f"trainer?settings={quote(json.dumps(older))}"
    )
    page.wait_ready("trainer")
    expect(notice).to_contain_text("Layers: settings version 0 is not 1.")
    assert_nothing_ran(page)
