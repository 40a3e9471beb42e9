"""The Web API emulator answers a real slack_sdk WebClient the way Slack does."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import builtin_handlers
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.models.blocks import InputBlock, PlainTextInputElement, SectionBlock
from slack_sdk.models.views import View
from slack_sdk.webhook import WebhookClient

from bot.emulator import DEFAULT_TOKEN, Bucket, ManualClock, RateLimits, SlackEmulator

DIVIDER = {"type": "divider"}
WINTER = 1_700_000_000.0  # 2023-11-14, Paris is UTC+1
SUMMER = 1_690_000_000.0  # 2023-07-22, Paris is UTC+2


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(WINTER)


@pytest.fixture
def slack(clock: ManualClock) -> Iterator[SlackEmulator]:
    with SlackEmulator(clock=clock) as emulator:
        yield emulator


@pytest.fixture
def client(slack: SlackEmulator) -> WebClient:
    return WebClient(token=DEFAULT_TOKEN, base_url=slack.api_url)


def refusal(method: Callable[..., Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
    """The body of Slack's refusal of ``method(...)`` (a WebClient method)."""
    with pytest.raises(SlackApiError) as caught:
        method(*args, **kwargs)
    return dict(caught.value.response.data)


def error(method: Callable[..., Any], *args: Any, **kwargs: Any) -> str:
    """The error name of Slack's refusal of ``method(...)``."""
    return str(refusal(method, *args, **kwargs)["error"])


def modal(title: str = "Mentoring", **extra: Any) -> dict[str, Any]:
    blocks = [SectionBlock(text="Hello").to_dict()]
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": title},
        "blocks": blocks,
        **extra,
    }


def post_form(url: str, fields: dict[str, str]) -> dict[str, Any]:
    body = urllib.parse.urlencode(fields).encode()
    with urllib.request.urlopen(urllib.request.Request(url, data=body)) as reply:
        return json.loads(reply.read())


# --- auth and recording ---------------------------------------------------------------------


def test_a_wrong_token_is_invalid_auth_and_no_token_is_not_authed(slack: SlackEmulator) -> None:
    wrong = WebClient(token="xoxb-wrong", base_url=slack.api_url)
    assert error(wrong.auth_test) == "invalid_auth"
    anonymous = WebClient(base_url=slack.api_url)
    assert error(anonymous.auth_test) == "not_authed"
    assert [c.error for c in slack.calls("auth.test")] == ["invalid_auth", "not_authed"]


def test_auth_test_describes_the_bot(client: WebClient, slack: SlackEmulator) -> None:
    answer = client.auth_test()
    assert (answer["user_id"], answer["bot_id"]) == (slack.bot_user_id, slack.bot_id)
    assert answer["team_id"] == "T0001"


def test_calls_are_recorded_with_json_arguments_decoded(
    client: WebClient, slack: SlackEmulator
) -> None:
    blocks = [SectionBlock(text="*Welcome*").to_dict()]
    client.chat_postMessage(channel="C0GENERAL", text="Welcome", blocks=blocks)  # a JSON body
    form = {"token": DEFAULT_TOKEN, "channel": "C0GENERAL", "text": "Again"}
    post_form(f"{slack.api_url}chat.postMessage", {**form, "blocks": json.dumps(blocks)})
    first, second = slack.calls("chat.postMessage")
    assert first.args == {"channel": "C0GENERAL", "text": "Welcome", "blocks": blocks}
    assert second.args["blocks"] == blocks  # decoded from the form's JSON string
    assert first.token == second.token == DEFAULT_TOKEN
    assert first.ok and second.ok
    assert slack.last("chat.postMessage") == second
    slack.clear()
    assert slack.calls() == []


def test_an_unknown_method_is_unknown_method(client: WebClient) -> None:
    assert error(client.api_call, "chat.shout") == "unknown_method"


def test_wait_for_blocks_until_a_background_thread_calls(
    client: WebClient, slack: SlackEmulator
) -> None:
    threading.Timer(0.05, lambda: client.chat_postMessage(channel="C1", text="later")).start()
    (call,) = slack.wait_for("chat.postMessage", timeout=2)
    assert call.args["text"] == "later"
    with pytest.raises(TimeoutError, match=r"views\.open"):
        slack.wait_for("views.open", timeout=0.05)


def test_concurrent_calls_are_all_answered_and_recorded(
    client: WebClient, slack: SlackEmulator
) -> None:
    def post(i: int) -> str:
        return str(client.chat_postMessage(channel="C1", text=str(i))["ts"])

    with ThreadPoolExecutor(max_workers=50) as pool:
        timestamps = set(pool.map(post, range(50)))
    assert len(timestamps) == 50
    assert len(slack.calls("chat.postMessage")) == 50


# --- messages -------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_post_message_needs_a_channel_and_some_text(client: WebClient) -> None:
    assert error(client.api_call, "chat.postMessage", json={"text": "x"}) == "channel_not_found"
    assert error(client.chat_postMessage, channel="C1") == "no_text"
    assert error(client.chat_postMessage, channel="C1", text="x" * 40_001) == "msg_too_long"


def test_invalid_blocks_are_refused_like_slack(client: WebClient, slack: SlackEmulator) -> None:
    answer = refusal(client.chat_postMessage, channel="C1", text="x", blocks=[DIVIDER] * 51)
    message = "no more than 50 items allowed [json-pointer:/blocks]"
    assert answer == {
        "ok": False,
        "error": "invalid_blocks",
        "errors": [message],
        "response_metadata": {"messages": [f"[ERROR] {message}"]},
    }
    assert slack.messages() == []


def test_blocks_without_fallback_text_are_accepted_with_a_warning(
    client: WebClient, slack: SlackEmulator
) -> None:
    with pytest.warns(UserWarning):  # slack_sdk warns too
        client.chat_postMessage(channel="C1", blocks=[SectionBlock(text="hi").to_dict()])
    call = slack.last("chat.postMessage")
    assert call is not None and call.ok and call.warnings[0].startswith("missing_text")


def test_posting_to_a_user_id_posts_in_their_dm(client: WebClient, slack: SlackEmulator) -> None:
    posted = client.chat_postMessage(channel="U1", text="Hi Alice")
    opened = client.conversations_open(users="U1")
    assert posted["channel"] == opened["channel"]["id"] == slack.dm_channel_id("U1")
    assert posted["channel"].startswith("D")
    assert opened["already_open"] is True
    assert [m["text"] for m in slack.messages_for("U1")] == ["Hi Alice"]
    assert slack.messages_for("U2") == []


def test_missing_block_ids_are_generated(client: WebClient) -> None:
    posted = client.chat_postMessage(channel="C1", text="x", blocks=[DIVIDER])
    assert posted["message"]["blocks"][0]["block_id"]


def test_update_delete_and_permalink_need_an_existing_message(
    client: WebClient, slack: SlackEmulator
) -> None:
    assert error(client.chat_update, channel="C1", ts="1.000001", text="x") == "message_not_found"
    posted = client.chat_postMessage(channel="C1", text="v1")
    assert client.chat_update(channel="C1", ts=posted["ts"], text="v2")["text"] == "v2"
    assert slack.message("C1", posted["ts"])["edited"]["ts"]
    link = client.chat_getPermalink(channel="C1", message_ts=posted["ts"])["permalink"]
    assert link.endswith(f"/archives/C1/p{posted['ts'].replace('.', '')}")
    client.chat_delete(channel="C1", ts=posted["ts"])
    assert slack.messages("C1") == []
    assert error(client.chat_delete, channel="C1", ts=posted["ts"]) == "message_not_found"


def test_ephemeral_messages_are_seen_by_their_user_only(
    client: WebClient, slack: SlackEmulator
) -> None:
    slack.add_channel("C1", "general", members=["U1", "U2"])
    ts = client.chat_postEphemeral(channel="C1", user="U1", text="psst")["message_ts"]
    assert [m["text"] for m in slack.messages_for("U1")] == ["psst"]
    assert slack.messages_for("U2") == []
    assert error(client.chat_update, channel="C1", ts=ts, text="x") == "message_not_found"


def test_strict_mode_knows_only_declared_channels(clock: ManualClock) -> None:
    with SlackEmulator(clock=clock, strict=True) as slack:
        client = WebClient(token=DEFAULT_TOKEN, base_url=slack.api_url)
        assert error(client.chat_postMessage, channel="C9", text="x") == "channel_not_found"
        slack.add_channel("C9", "mentors")
        assert client.chat_postMessage(channel="#mentors", text="x")["channel"] == "C9"


# --- conversations and users ---------------------------------------------------------------


def test_conversations_open_gives_stable_dm_and_group_ids(client: WebClient) -> None:
    dm = client.conversations_open(users="U1", return_im=True)["channel"]
    assert dm["is_im"] and dm["user"] == "U1"
    group = client.conversations_open(users="U1,U2")["channel"]
    again = client.conversations_open(users=["U2", "U1"])["channel"]
    assert group["id"] == again["id"] and group["id"].startswith("G") and group["is_mpim"]
    assert error(client.conversations_open, users="") == "users_list_not_supplied"
    nine = ",".join(f"U{i}" for i in range(9))
    assert error(client.conversations_open, users=nine) == "too_many_users"


def test_users_info_answers_from_the_directory(
    client: WebClient, slack: SlackEmulator, clock: ManualClock
) -> None:
    slack.add_user("U1", "alice", "Alice Martin", tz="Europe/Paris", title="Staff engineer")
    slack.add_user("U2", "bob", deleted=True, is_restricted=True)
    alice = client.users_info(user="U1")["user"]
    assert (alice["name"], alice["real_name"]) == ("alice", "Alice Martin")
    assert (alice["tz"], alice["tz_offset"]) == ("Europe/Paris", 3600)
    assert alice["profile"]["title"] == "Staff engineer"
    clock.set(SUMMER)
    assert client.users_info(user="U1")["user"]["tz_offset"] == 7200
    bob = client.users_info(user="U2")["user"]
    assert bob["deleted"] is True and bob["is_restricted"] is True
    assert error(client.users_info, user="U404") == "user_not_found"


def test_team_info_and_user_lookups(client: WebClient, slack: SlackEmulator) -> None:
    slack.add_user("U1", name="alice", email="alice@example.com")
    assert client.team_info()["team"]["domain"] == "mentorbot-test"
    assert client.users_lookupByEmail(email="ALICE@example.com")["user"]["id"] == "U1"
    assert [m["id"] for m in client.users_list()["members"]] == ["U1"]
    assert error(client.users_lookupByEmail, email="x@y.z") == "users_not_found"
    assert error(client.users_lookupByEmail, email="not an address") == "invalid_email"
    assert error(client.users_lookupByEmail, email="") == "invalid_arguments"


# --- views and trigger ids -----------------------------------------------------------------


def test_views_open_accepts_a_view_built_with_slack_sdk(
    client: WebClient, slack: SlackEmulator
) -> None:
    goal = InputBlock(block_id="goal", label="Goal", element=PlainTextInputElement(action_id="v"))
    view = View(type="modal", callback_id="signup", title="Sign up", submit="Join", blocks=[goal])
    opened = client.views_open(trigger_id=slack.new_trigger_id("U1"), view=view)["view"]
    assert opened["id"].startswith("V") and opened["hash"] and opened["callback_id"] == "signup"
    assert opened["state"] == {"values": {}}
    assert slack.modal_stack("U1") == [opened]


def test_views_open_refuses_an_invalid_view(client: WebClient, slack: SlackEmulator) -> None:
    trigger_id = slack.new_trigger_id("U1")
    answer = refusal(client.views_open, trigger_id=trigger_id, view=modal("x" * 25))
    message = "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]"
    assert answer == {
        "ok": False,
        "error": "invalid_arguments",
        "response_metadata": {"messages": [message]},
    }
    assert client.views_open(trigger_id=trigger_id, view=modal())["ok"]  # trigger not used up


def test_trigger_ids_expire_after_3_seconds(
    client: WebClient, slack: SlackEmulator, clock: ManualClock
) -> None:
    fresh, stale = slack.new_trigger_id("U1"), slack.new_trigger_id("U2")
    clock.advance(2.9)
    assert client.views_open(trigger_id=fresh, view=modal())["ok"]
    clock.advance(0.2)  # 3.1 s after minting
    assert error(client.views_open, trigger_id=stale, view=modal()) == "expired_trigger_id"


def test_trigger_ids_are_single_use_and_must_be_real(
    client: WebClient, slack: SlackEmulator
) -> None:
    trigger_id = slack.new_trigger_id("U1")
    client.views_open(trigger_id=trigger_id, view=modal())
    assert error(client.views_open, trigger_id=trigger_id, view=modal()) == "exchanged_trigger_id"
    assert error(client.views_open, trigger_id="1.2.3", view=modal()) == "invalid_trigger_id"


def test_trigger_ttl_is_configurable(clock: ManualClock) -> None:
    with SlackEmulator(clock=clock, trigger_ttl=10) as slack:
        client = WebClient(token=DEFAULT_TOKEN, base_url=slack.api_url)
        trigger_id = slack.new_trigger_id("U1")
        clock.advance(9)
        assert client.views_open(trigger_id=trigger_id, view=modal())["ok"]


def test_views_push_stacks_at_most_three_views(client: WebClient, slack: SlackEmulator) -> None:
    def trigger() -> str:
        return slack.new_trigger_id("U1")

    root = client.views_open(trigger_id=trigger(), view=modal("Root"))["view"]
    pushed = client.views_push(trigger_id=trigger(), view=modal("Two"))["view"]
    assert (pushed["root_view_id"], pushed["previous_view_id"]) == (root["id"], root["id"])
    client.views_push(trigger_id=trigger(), view=modal("Three"))
    assert error(client.views_push, trigger_id=trigger(), view=modal("Four")) == (
        "push_limit_reached"
    )
    assert [v["title"]["text"] for v in slack.modal_stack("U1")] == ["Root", "Two", "Three"]
    assert slack.top_view("U1")["title"]["text"] == "Three"
    assert list(slack.open_views()) == ["U1"]


def test_views_update_by_id_or_external_id_checks_the_hash(
    client: WebClient, slack: SlackEmulator
) -> None:
    trigger_id = slack.new_trigger_id("U1")
    opened = client.views_open(trigger_id=trigger_id, view=modal("One", external_id="ext-1"))
    view_id, first_hash = opened["view"]["id"], opened["view"]["hash"]
    updated = client.views_update(view_id=view_id, hash=first_hash, view=modal("Two"))["view"]
    assert updated["id"] == view_id and updated["hash"] != first_hash
    stale = error(client.views_update, view_id=view_id, hash=first_hash, view=modal("Three"))
    assert stale == "hash_conflict"
    assert client.views_update(external_id="ext-1", view=modal("Four"))["ok"]
    assert slack.view(view_id)["title"]["text"] == "Four"
    assert error(client.views_update, view_id="V404", view=modal()) == "not_found"


def test_views_publish_sets_the_home_tab(client: WebClient, slack: SlackEmulator) -> None:
    home = View(type="home", blocks=[SectionBlock(text="Your mentees")])
    first = client.views_publish(user_id="U1", view=home)["view"]
    second = client.views_publish(user_id="U1", view=home)["view"]
    assert first["id"] == second["id"]
    assert slack.home_view("U1")["blocks"][0]["text"]["text"] == "Your mentees"
    answer = refusal(client.views_publish, user_id="U1", view=modal())
    assert answer["error"] == "invalid_arguments"
    assert answer["response_metadata"]["messages"] == [
        "[ERROR] must be `home` [json-pointer:/view/type]"
    ]


def test_an_oversize_view_is_view_too_large(client: WebClient) -> None:
    home = {"type": "home", "blocks": [SectionBlock(text="x" * 2900).to_dict()] * 99}
    assert error(client.views_publish, user_id="U1", view=home) == "view_too_large"


# --- files ---------------------------------------------------------------------------------


def test_files_upload_v2_uploads_a_csv_to_a_channel(
    client: WebClient, slack: SlackEmulator
) -> None:
    csv = "mentor,mentee\nalice,bob\n"
    answer = client.files_upload_v2(
        channel="C0REPORTS", filename="pairs.csv", content=csv, title="Pairs", initial_comment="CSV"
    )
    (upload,) = slack.files()
    assert answer["file"]["id"] == upload.id and upload.completed
    assert (upload.content, upload.filename, upload.title) == (csv.encode(), "pairs.csv", "Pairs")
    (message,) = slack.messages("C0REPORTS")
    assert message["text"] == "CSV" and message["files"][0]["mimetype"] == "text/csv"
    url = message["files"][0]["url_private"]
    with urllib.request.urlopen(_with_token(url)) as download:
        assert download.read() == csv.encode()
    methods = [c.method for c in slack.calls()]
    assert methods == [
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
        "download",
    ]


def _with_token(url: str, token: str = DEFAULT_TOKEN) -> urllib.request.Request:
    return urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})


def test_a_persons_file_is_served_only_to_the_apps_token_and_described_by_files_info(
    client: WebClient, slack: SlackEmulator
) -> None:
    shared = slack.add_file("U1", "roster.csv", "email\na@example.com\n", share_in_dm=True)

    info = client.files_info(file=shared["id"])["file"]
    assert info == shared
    assert (info["user"], info["filetype"], info["ims"]) == (
        "U1",
        "csv",
        [slack.dm_channel_id("U1")],
    )
    for url in (info["url_private"], info["url_private_download"]):
        with urllib.request.urlopen(_with_token(url)) as download:
            assert download.read() == b"email\na@example.com\n"
    for request in (_with_token(info["url_private"], "xoxb-stranger"), info["url_private"]):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request)
        assert refused.value.code == 403
    assert error(client.files_info, file="F404") == "file_not_found"


def test_completing_an_upload_that_never_happened_is_file_not_found(client: WebClient) -> None:
    file_id = client.files_getUploadURLExternal(filename="a.csv", length=3)["file_id"]
    assert error(client.files_completeUploadExternal, files=[{"id": file_id}]) == "file_not_found"


def test_a_file_for_a_dm_goes_to_the_dm_id_from_conversations_open_and_reads_back(
    client: WebClient, slack: SlackEmulator
) -> None:
    slack.add_user("U0ANA0001")
    dm = client.conversations_open(users="U0ANA0001")["channel"]["id"]

    client.files_upload_v2(channel=dm, content="BEGIN:VCALENDAR", filename="a.ics", title="A")

    [upload] = slack.files_for("U0ANA0001")
    assert upload.content == b"BEGIN:VCALENDAR" and upload.channels == [dm]
    assert slack.files_for("U0BEN0001") == []
    [message] = slack.messages(dm)
    assert message["files"][0]["mimetype"] == "text/calendar"


def test_a_file_is_shared_only_to_a_conversation_id_the_bot_is_in(
    client: WebClient, slack: SlackEmulator
) -> None:
    slack.add_channel("C0PRIVATE1", "private", members=["U0ANA0001"])

    def share(channel: str) -> dict[str, Any]:
        return refusal(client.files_upload_v2, channel=channel, content="x", filename="a.txt")

    to_user = share("U0ANA0001")  # a user id is not a conversation
    assert to_user["error"] == "invalid_arguments"
    assert "^[CGDZ][A-Z0-9]{8,}$ [json-pointer:/channel_id]" in str(to_user)
    assert share("D0NEVEROPEN")["error"] == "channel_not_found"  # a DM the bot never opened
    assert share("C0PRIVATE1")["error"] == "not_in_channel"
    assert [u.completed for u in slack.files()] == [False, False, False]
    assert slack.messages() == []


def test_an_upload_needs_a_filename_a_positive_length_and_exactly_those_bytes(
    client: WebClient, slack: SlackEmulator
) -> None:
    assert error(client.files_getUploadURLExternal, filename="", length=3) == "invalid_arguments"
    assert error(client.files_getUploadURLExternal, filename="a.ics", length=0) == (
        "missing_argument"
    )
    assert error(client.files_getUploadURLExternal, filename="a.ics", length="x") == (
        "invalid_arguments"
    )
    handed = client.files_getUploadURLExternal(filename="a.ics", length=3)
    short = urllib.request.Request(handed["upload_url"], data=b"ab", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(short)
    assert refused.value.code == 400
    assert error(client.files_completeUploadExternal, files=[{"id": handed["file_id"]}]) == (
        "file_not_found"  # the upload URL was never given the declared bytes
    )


def test_an_upload_completes_once(client: WebClient, slack: SlackEmulator) -> None:
    answer = client.files_upload_v2(channel="C0REPORTS", content="abc", filename="a.csv")
    again = [{"id": answer["file"]["id"]}]
    assert error(client.files_completeUploadExternal, files=again, channel_id="C0REPORTS") == (
        "file_not_found"
    )
    assert len(slack.messages("C0REPORTS")) == 1


# --- response_url --------------------------------------------------------------------------


def test_response_urls_record_validate_and_expire(slack: SlackEmulator, clock: ManualClock) -> None:
    hook = WebhookClient(slack.new_response_url("U1", "C1"))
    assert hook.send(text="Only you can see this").status_code == 200
    (call,) = slack.calls("response_url")
    assert call.args == {"text": "Only you can see this"} and call.ok
    assert slack.messages_for("U1")[0]["is_ephemeral"] is True
    header = {"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}
    refused = hook.send(text="x", blocks=[header])
    assert refused.status_code == 400 and json.loads(refused.body)["error"] == "invalid_blocks"
    for _ in range(4):
        hook.send(text="again")
    assert hook.send(text="sixth").status_code == 404  # five uses per URL
    later = WebhookClient(slack.new_response_url("U1", "C1"))
    clock.advance(31 * 60)  # and for 30 minutes
    assert later.send(text="too late").status_code == 404


def test_response_url_can_replace_and_delete_the_original(
    client: WebClient, slack: SlackEmulator
) -> None:
    posted = client.chat_postMessage(channel="C1", text="Accept?")
    hook = WebhookClient(slack.new_response_url("U1", "C1", message_ts=posted["ts"]))
    hook.send(text="Accepted", replace_original=True)
    assert slack.message("C1", posted["ts"])["text"] == "Accepted"
    hook.send(delete_original=True)
    assert slack.messages("C1") == []


# --- fault injection -----------------------------------------------------------------------


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Sleeps of slack_sdk's retry handlers, recorded instead of slept."""
    sleeps: list[float] = []

    class FakeTime:
        sleep = staticmethod(sleeps.append)

    monkeypatch.setattr(builtin_handlers, "time", FakeTime)
    return sleeps


def retrying_client(slack: SlackEmulator, retries: int) -> WebClient:
    handler = RateLimitErrorRetryHandler(max_retry_count=retries)
    return WebClient(token=DEFAULT_TOKEN, base_url=slack.api_url, retry_handlers=[handler])


def test_a_rate_limit_answers_429_with_retry_after(client: WebClient, slack: SlackEmulator) -> None:
    slack.rate_limit("chat.postMessage", retry_after=7)
    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel="C1", text="x")
    assert caught.value.response.status_code == 429
    assert caught.value.response.headers["Retry-After"] == "7"
    assert caught.value.response["error"] == "ratelimited"
    assert client.auth_test()["ok"]  # other methods are unaffected
    call = slack.last("chat.postMessage")
    assert call is not None and (call.status, call.fault) == (429, "ratelimited")


def test_slack_sdk_retries_a_rate_limit_until_it_clears(
    slack: SlackEmulator, slept: list[float]
) -> None:
    slack.rate_limit("chat.postMessage", retry_after=2, times=2)
    assert retrying_client(slack, retries=3).chat_postMessage(channel="C1", text="x")["ok"]
    assert [c.status for c in slack.calls("chat.postMessage")] == [429, 429, 200]
    assert len(slept) == 2 and all(2 <= s < 3 for s in slept)  # Retry-After + jitter


def test_a_rate_limit_can_start_in_the_middle_of_a_batch(
    client: WebClient, slack: SlackEmulator
) -> None:
    slack.add_user("U1", email="a@example.com")
    slack.rate_limit("users.lookupByEmail", retry_after=1, times=1, after=2)
    for _ in range(2):
        assert client.users_lookupByEmail(email="a@example.com")["ok"]
    assert error(client.users_lookupByEmail, email="a@example.com") == "ratelimited"
    assert client.users_lookupByEmail(email="a@example.com")["ok"]
    assert [c.status for c in slack.calls("users.lookupByEmail")] == [200, 200, 429, 200]


def test_an_endless_rate_limit_outlasts_the_retries(
    slack: SlackEmulator, slept: list[float]
) -> None:
    slack.rate_limit()  # every method, until reset
    client = retrying_client(slack, retries=2)
    assert error(client.users_info, user="U1") == "ratelimited"
    assert len(slack.calls("users.info")) == 3
    slack.reset_faults()
    assert client.auth_test()["ok"]


def test_fail_answers_a_server_error_or_an_application_error(
    client: WebClient, slack: SlackEmulator
) -> None:
    slack.fail("chat.postMessage", status=500)
    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel="C1", text="x")
    assert caught.value.response.status_code == 500
    assert client.chat_postMessage(channel="C1", text="x")["ok"]  # times=1 by default
    slack.fail("chat.postMessage", error="channel_not_found", times=2)
    assert error(client.chat_postMessage, channel="C1", text="x") == "channel_not_found"
    faults = [c.fault for c in slack.calls("chat.postMessage")]
    assert faults == ["http_error", None, "error"]


def test_slow_delays_the_answer(client: WebClient, slack: SlackEmulator) -> None:
    slack.slow("auth.test", seconds=0.3, times=1)
    started = time.monotonic()
    client.auth_test()
    assert time.monotonic() - started >= 0.3
    assert slack.calls("auth.test")[0].delay == pytest.approx(0.3)
    started = time.monotonic()
    client.auth_test()
    assert time.monotonic() - started < 0.3


def test_the_builtin_rate_limiter_enforces_buckets(clock: ManualClock) -> None:
    limits = RateLimits(tiers={4: Bucket(60, burst=2)}, post_message_per_channel=Bucket(60, 1))
    with SlackEmulator(clock=clock, rate_limits=limits) as slack:
        client = WebClient(token=DEFAULT_TOKEN, base_url=slack.api_url)
        assert client.auth_test()["ok"] and client.auth_test()["ok"]  # auth.test is tier 4
        with pytest.raises(SlackApiError) as caught:
            client.auth_test()
        assert caught.value.response.status_code == 429
        assert caught.value.response.headers["Retry-After"] == "1"
        clock.advance(1)
        assert client.auth_test()["ok"]
        # chat.postMessage: one per second per channel
        assert client.chat_postMessage(channel="C1", text="a")["ok"]
        assert client.chat_postMessage(channel="C2", text="b")["ok"]
        assert error(client.chat_postMessage, channel="C1", text="c") == "ratelimited"
        assert slack.calls("chat.postMessage")[-1].fault == "rate_limiter"


def test_chat_post_message_is_also_limited_across_the_workspace(clock: ManualClock) -> None:
    limits = RateLimits(
        post_message_per_channel=Bucket(60, 1), post_message_workspace=Bucket(60, 2)
    )
    with SlackEmulator(clock=clock, rate_limits=limits) as slack:
        client = WebClient(token=DEFAULT_TOKEN, base_url=slack.api_url)
        assert client.chat_postMessage(channel="C1", text="a")["ok"]
        # C1's own bucket is empty: refused, and the workspace's token is not spent on it.
        assert error(client.chat_postMessage, channel="C1", text="b") == "ratelimited"
        assert client.chat_postMessage(channel="C2", text="c")["ok"]
        with pytest.raises(SlackApiError) as caught:
            client.chat_postMessage(channel="C3", text="d")  # a fresh channel, a full workspace
        assert caught.value.response.headers["Retry-After"] == "1"
        clock.advance(1)
        assert client.chat_postMessage(channel="C3", text="d")["ok"]
        assert [c.ok for c in slack.calls("chat.postMessage")] == [True, False, True, False, True]


def test_the_default_limits_state_slacks_workspace_wide_posting_rate() -> None:
    assert RateLimits().post_message_workspace == Bucket(300, 300)


def test_a_hold_keeps_calls_in_flight_until_released(
    client: WebClient, slack: SlackEmulator
) -> None:
    slack.hold("chat.postMessage", after=1)
    assert client.chat_postMessage(channel="C1", text="first")["ok"]  # let through
    answers: list[Any] = []
    caller = threading.Thread(
        target=lambda: answers.append(client.chat_postMessage(channel="C1", text="second"))
    )
    caller.start()
    slack.wait_held(1)

    assert client.auth_test()["ok"]  # other methods are not held
    assert [c.args["text"] for c in slack.calls("chat.postMessage")] == ["first"]
    assert slack.held_calls() == 1 and answers == []

    slack.release_held()
    caller.join(5)
    assert answers and answers[0]["ok"]
    assert [c.args["text"] for c in slack.calls("chat.postMessage")] == ["first", "second"]
    assert slack.held_calls() == 0
    assert client.chat_postMessage(channel="C1", text="third")["ok"]  # no longer holding


def test_reset_faults_lets_held_calls_go(client: WebClient, slack: SlackEmulator) -> None:
    slack.hold()
    caller = threading.Thread(target=client.auth_test)
    caller.start()
    slack.wait_held(1)
    slack.reset_faults()
    caller.join(5)
    assert not caller.is_alive() and slack.calls("auth.test")[0].ok


def test_the_builtin_rate_limiter_is_off_by_default(client: WebClient) -> None:
    assert all(client.auth_test()["ok"] for _ in range(120))


# --- arguments ------------------------------------------------------------------------------


def test_api_test_needs_no_token_and_echoes(slack: SlackEmulator) -> None:
    anonymous = WebClient(base_url=slack.api_url)
    assert anonymous.api_test(foo="bar")["args"] == {"foo": "bar"}
    assert error(anonymous.api_test, error="my_error") == "my_error"


def test_malformed_arguments_get_slack_errors(slack: SlackEmulator, client: WebClient) -> None:
    url = f"{slack.api_url}chat.postMessage"
    broken_blocks = {"token": DEFAULT_TOKEN, "channel": "C1", "blocks": "[{not json"}
    assert post_form(url, broken_blocks)["error"] == "invalid_blocks_format"
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {DEFAULT_TOKEN}"}
    request = urllib.request.Request(url, data=b"{not json", headers=headers)
    with urllib.request.urlopen(request) as reply:
        assert json.loads(reply.read())["error"] == "invalid_json"
    answer = refusal(client.api_call, "views.open", json={"trigger_id": "x"})
    assert answer["error"] == "invalid_arguments"
    assert answer["response_metadata"]["messages"] == ["[ERROR] missing required field: view"]
