"""Reading a roster CSV: the header says which form it is; each bad row is named by line."""

from __future__ import annotations

from bot.db.enums import EnrollmentRole
from bot.roster_rows import Form, Row, mask_email, parse


def test_a_header_naming_email_is_the_email_form_whatever_the_case_order_or_spacing() -> None:
    parsed = parse(
        "Team, Manager Email ,EMAIL,Role,topics\n"
        "Search,Boss@Example.com,Ana@Example.com,Mentee,NLP; mlops | NLP\n"
    )

    assert parsed.form is Form.EMAILS
    assert parsed.problems == []
    assert parsed.rows == [
        Row(
            line=2,
            person="ana@example.com",
            manager="boss@example.com",
            team="Search",
            role=EnrollmentRole.MENTEE,
            topics=("NLP", "mlops"),
        )
    ]
    assert parsed.emails == ["ana@example.com", "boss@example.com"]


def test_a_spreadsheet_saved_with_semicolons_reads_the_same() -> None:
    parsed = parse('email;role;topics\nana@example.com;mentee;"NLP; MLOps"\n')

    assert [(r.person, r.role, r.topics) for r in parsed.rows] == [
        ("ana@example.com", EnrollmentRole.MENTEE, ("NLP", "MLOps"))
    ]


def test_the_slack_id_form_keeps_working() -> None:
    parsed = parse("slack_user_id,manager_slack_id,team\nU0ANA0001,U0BOS0001,Search\nU0BOS0001,,\n")

    assert parsed.form is Form.SLACK_IDS
    assert [(r.person, r.manager, r.team) for r in parsed.rows] == [
        ("U0ANA0001", "U0BOS0001", "Search"),
        ("U0BOS0001", None, None),
    ]


def test_each_unreadable_row_is_named_by_its_line_and_the_rest_are_read() -> None:
    parsed = parse(
        "email,role,topics,cohort\n"
        "ana@example.com,mentee,NLP,\n"
        "\n"
        "not-an-address,mentee,,\n"
        "ben@example.com,boss,,\n"
        "cara@example.com,,NLP,\n"
        "ana@example.com,mentor,,\n"
        "ana@example.com,mentor,,Spring\n"
        ",mentor,,\n"
    )

    assert [r.line for r in parsed.rows] == [2, 8]
    assert [str(p) for p in parsed.problems] == [
        "line 4: the email cell does not hold an email address",
        "line 5: unknown role 'boss' (use mentee, mentor, both)",
        "line 6: topics or a cohort but no role (use mentee, mentor, both)",
        "line 7: duplicate row (the same person as line 2)",
        "line 9: no email",
    ]


def test_a_header_without_email_or_slack_user_id_is_refused_whole() -> None:
    parsed = parse("name,team\nAna,Search\n")

    assert parsed.form is None and parsed.rows == []
    assert str(parsed.problems[0]).startswith("line 1: the header row names no `email` column")


def test_columns_it_does_not_know_are_ignored_and_named() -> None:
    parsed = parse("email,rol,Start date\nana@example.com,mentee,2026-01-01\n")

    assert parsed.ignored_columns == ("rol", "start_date")
    assert parsed.rows[0].role is None


def test_an_email_is_shown_masked() -> None:
    assert mask_email("ana.lopez@example.com") == "a…@example.com"
    assert mask_email("nonsense") == "n…"
