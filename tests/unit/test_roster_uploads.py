"""The bot token goes only to Slack's own file hosts (or the API host it is configured at)."""

from __future__ import annotations

import pytest

from bot.roster_uploads import SharedFile, trusted

API = "https://slack.com/api/"


@pytest.mark.parametrize(
    ("url", "api", "ok"),
    [
        ("https://files.slack.com/files-pri/T1-F1/roster.csv", API, True),
        ("http://files.slack.com/files-pri/T1-F1/roster.csv", API, False),  # not over TLS
        ("https://files.slack.com.evil.example/roster.csv", API, False),
        ("https://evil.example/files/F1/roster.csv", API, False),
        ("http://127.0.0.1:8123/files/F1/roster.csv", "http://127.0.0.1:8123/api/", True),
        ("http://127.0.0.1:9999/files/F1/roster.csv", "http://127.0.0.1:8123/api/", False),
        ("", API, False),
        ("file:///etc/passwd", API, False),
    ],
)
def test_a_file_is_read_only_from_where_slack_keeps_files(url: str, api: str, ok: bool) -> None:
    assert trusted(url, api) is ok


def test_a_csv_is_known_by_its_type_or_its_name() -> None:
    assert SharedFile("F1", "people.CSV").is_csv
    assert SharedFile("F1", "export", filetype="csv").is_csv
    assert not SharedFile("F1", "people.xlsx", filetype="xlsx").is_csv
