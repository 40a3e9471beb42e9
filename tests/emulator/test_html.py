"""Block Kit drawn as HTML for the demo's page: every word escaped, mrkdwn drawn as
formatting, references as names, and nothing loaded from elsewhere."""

from __future__ import annotations

from bot.emulator.html import blocks_html, element_html, mrkdwn_html

NAMES = {"U0ANA": "Ana"}


def plain(text: str) -> dict:
    return {"type": "plain_text", "text": text}


def section(text: str, **more: object) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **more}


def test_typed_text_is_escaped_so_no_markup_or_script_gets_through() -> None:
    drawn = blocks_html(
        [
            section('&lt;script&gt;alert(1)&lt;/script&gt; &amp; "quotes"'),
            {"type": "header", "text": {"type": "plain_text", "text": "<b>not bold</b>"}},
            {"type": "context", "elements": [{"type": "plain_text", "text": "<img src=x>"}]},
        ]
    )

    assert "<script>" not in drawn and "&lt;script&gt;alert(1)&lt;/script&gt;" in drawn
    assert "&amp;" in drawn
    assert "<b>not bold</b>" not in drawn and "&lt;b&gt;not bold&lt;/b&gt;" in drawn
    assert "<img src=x>" not in drawn


def test_mrkdwn_marks_become_formatting_and_references_become_names() -> None:
    drawn = mrkdwn_html(
        "*Spring* _soon_ ~old~ `/mentor find` <@U0ANA> <@U0BEN|ben> <#C0GEN|general> "
        "<https://example.com/a?b=1&amp;c=2|the guide> snake_case_name 2*3*4",
        NAMES,
    )

    assert "<b>Spring</b>" in drawn and "<i>soon</i>" in drawn and "<s>old</s>" in drawn
    assert "<code>/mentor find</code>" in drawn
    assert '<span class="bk-mention">@Ana</span>' in drawn
    assert '<span class="bk-mention">@ben</span>' in drawn
    assert '<span class="bk-mention">#general</span>' in drawn
    assert '<a class="bk-link" href="https://example.com/a?b=1&amp;amp;c=2"' in drawn
    assert "snake_case_name" in drawn and "2*3*4" in drawn  # not formatting
    dated = mrkdwn_html("since <!date^1900000000^{date_short}|2030-03-17 08:00 UTC>.", {})
    assert dated == "since 2030-03-17 08:00 UTC."


def test_a_link_label_cannot_smuggle_markup() -> None:
    drawn = mrkdwn_html('<https://example.com|"><script>x</script>> <javascript:alert(1)|x>', {})

    assert "<script>" not in drawn
    assert "javascript" not in drawn  # a link only to http(s) or mailto
    assert drawn.count("<a ") == 1  # only the http(s) link is a link


def test_sections_fields_buttons_and_dividers_are_drawn() -> None:
    drawn = blocks_html(
        [
            section(
                "Pick one",
                fields=[{"type": "mrkdwn", "text": "*Role*\nMentee"}],
                accessory={"type": "button", "text": {"type": "plain_text", "text": "Choose"}},
            ),
            {"type": "divider"},
            {
                "type": "actions",
                "elements": [
                    {"type": "button", "style": "primary", "text": plain("We met")},
                    {"type": "button", "style": "danger", "text": plain("Leave")},
                ],
            },
        ]
    )  # fmt: skip

    assert '<div class="bk-field"><b>Role</b><br>Mentee</div>' in drawn
    assert '<button type="button" class="bk-button">Choose</button>' in drawn
    assert 'class="bk-button bk-primary">We met</button>' in drawn
    assert 'class="bk-button bk-danger">Leave</button>' in drawn
    assert '<hr class="bk-divider">' in drawn


def test_inputs_show_what_is_filled_in_or_their_placeholder() -> None:
    typed = element_html({"type": "plain_text_input", "initial_value": "<hi>"})
    empty = element_html({"type": "static_select", "placeholder": plain("Choose")})
    chosen = element_html(
        {
            "type": "radio_buttons",
            "options": [
                {"text": {"type": "plain_text", "text": "Mentor"}, "value": "mentor"},
                {"text": {"type": "plain_text", "text": "Mentee"}, "value": "mentee"},
            ],
            "initial_option": {"text": {"type": "plain_text", "text": "Mentee"}, "value": "mentee"},
        }
    )

    assert "&lt;hi&gt;" in typed
    assert "Choose" in empty and "bk-placeholder" in empty
    assert "○ Mentor" in chosen and "◉ Mentee" in chosen


def test_only_inline_images_are_drawn_and_others_show_their_alt_text() -> None:
    inline = {"type": "image", "image_url": "data:image/png;base64,AAAA", "alt_text": "chart"}
    remote = {"type": "image", "image_url": "https://example.com/x.png", "alt_text": "a <photo>"}

    drawn = blocks_html([inline, remote])

    assert '<img class="bk-image-img" src="data:image/png;base64,AAAA" alt="chart">' in drawn
    assert "example.com" not in drawn and "[a &lt;photo&gt;]" in drawn
