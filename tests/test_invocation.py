"""Parsing what users type: options, quoting, Slack markup, hostile input. Never raises."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.invocation import MAX_INPUT_CHARS, parse, parse_date
from bot.slack.markup import plain as slack


def test_command_topic_and_options() -> None:
    inv = parse("/position haqqani by:us since:2018-01", user="U1", channel="C1")
    assert inv.command == "position"
    assert inv.args == ("haqqani",)
    assert dict(inv.options) == {"by": "us", "since": "2018-01"}
    assert (inv.user, inv.channel) == ("U1", "C1")


def test_without_slash_and_with_given_command() -> None:
    assert parse("Position Safe Havens").command == "position"
    inv = parse("safe havens until:2019", command="/position")
    assert inv.command == "position" and inv.argument == "safe havens"


def test_quoted_values_and_curly_quotes() -> None:
    inv = parse('/position "safe havens" by:"united states"')
    assert inv.args == ("safe havens",) and inv.options["by"] == "united states"
    assert parse("/position x by:“United States”").options["by"] == "United States"


def test_unknown_key_is_a_word_and_empty_option_is_a_problem() -> None:
    inv = parse("/search foo:bar by:")
    assert inv.args == ("foo:bar",)
    assert inv.problems == ("by: needs a value",)


def test_slack_markup_is_resolved_and_links_collected() -> None:
    inv = parse(
        slack("/ingest <https://example.com/a?x=1&amp;y=2|example.com> <@U123|ann> <!channel>")
    )
    assert inv.urls == ("https://example.com/a?x=1&y=2",)
    assert "@ann" in inv.text and "<!channel>" not in inv.text and "channel" not in inv.text
    assert (
        parse(slack("hi <#C1|general>")).text == "<#C1|general>"
        or "#general" in parse(slack("x hi <#C1|general>")).text
    )


def test_bare_links_are_found_without_trailing_punctuation() -> None:
    assert parse("/ingest see https://example.org/story.html).").urls == (
        "https://example.org/story.html",
    )


def test_control_and_format_characters_are_removed() -> None:
    inv = parse("/position\u202e haq\u200bqani\x00\x07 \ud800by:us")
    assert inv.command == "position"
    assert inv.args == ("haqqani",) and inv.options["by"] == "us"


def test_very_long_input_is_cut_and_reported() -> None:
    inv = parse("/ingest " + "word " * 50_000)
    assert len(inv.text) <= MAX_INPUT_CHARS
    assert any("cut" in p for p in inv.problems)


def test_line_round_trips() -> None:
    inv = parse('/position "safe havens" by:us page:2')
    again = parse(inv.line(page="3"))
    assert again.args == ("safe havens",) and again.options["page"] == "3"
    assert "page" not in parse(inv.line(page=None)).options


@pytest.mark.parametrize(
    ("text", "end", "expected"),
    [
        ("2018", False, dt.date(2018, 1, 1)),
        ("2018", True, dt.date(2018, 12, 31)),
        ("2018-02", True, dt.date(2018, 2, 28)),
        ("2018-01-05", False, dt.date(2018, 1, 5)),
        ("30d", False, dt.date(2020, 1, 1) - dt.timedelta(days=30)),
        ("2018-13", False, None),
        ("yesterday-ish", False, None),
        ("99999d", False, None),
    ],
)
def test_dates(text: str, end: bool, expected: dt.date | None) -> None:
    assert parse_date(text, end=end, today=dt.date(2020, 1, 1)) == expected


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300), st.one_of(st.none(), st.text(max_size=20)))
def test_parse_is_total(text: str, command: str | None) -> None:
    inv = parse(text, command=command)
    assert isinstance(inv.args, tuple)
    assert all("\x00" not in a for a in inv.args)
    parse(inv.line())  # and what it prints parses again


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('<>|@#!:"“” /abc&;\n')), max_size=80))
def test_markup_soup_never_raises(text: str) -> None:
    parse(slack(text))
    for value in ("since", "until", "page"):
        parse_date(parse(f"/x {value}:{text}").options.get(value, ""))
