"""The console adapter: the REPL and `python -m bot ask` over a seeded-by-hand ledger."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from bot.console.repl import ask, repl
from bot.settings import ROOT
from bot.slack.render import to_json
from tests.core_ledger import add_article, core_services


def _ledger(tmp_path: Path):  # type: ignore[no-untyped-def]
    sv = core_services(tmp_path / "c.db")
    add_article(
        sv.db,
        "Talks at the lake",
        dt.date(2018, 5, 2),
        url="https://example.org/lake",
        positions=[{"actor": "Pakistan", "speaker": "Envoy Q", "evidence": "We want calm."}],
    )
    return sv


def test_repl_answers_with_and_without_slash(tmp_path: Path) -> None:
    out: list[str] = []
    repl(
        _ledger(tmp_path),
        write=out.append,
        lines=["position haqqani", "/search calm", "", "/quit", "/help"],
    )
    text = "\n".join(out)
    assert "Envoy Q" in text and "“We want calm.”" in text and "https://example.org/lake" in text
    assert "SEARCH: CALM" in text
    assert "US–PAKISTAN BRIEFING BOT" not in text  # stopped at /quit


def test_ask_json_is_block_kit(tmp_path: Path) -> None:
    payload = json.loads(ask(_ledger(tmp_path), "/position haqqani", render=to_json))
    assert payload["blocks"][0]["type"] == "header"
    assert any(b["type"] == "actions" for b in payload["blocks"])


def test_cli_ask_one_shot(tmp_path: Path) -> None:
    _ledger(tmp_path)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}"}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "/position haqqani"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Envoy Q" in done.stdout
