"""Extraction and summary quality against the annotated seeds, with floors that must hold.

The evaluation runs once per module (the real pipeline into a throw-away database) and
its figures are printed, so `pytest -s` or `pytest -rA` shows them.

The same evaluation runs on the development set of real articles from other outlets when
`../shared/spec/dev` is present (skipped with a notice in a user's clone).

Floors: at the time of writing `python -m bot eval` gives precision 0.911, recall 0.912,
F1 0.911 (the rules now generalise to real articles instead of fitting these five), and
summary key-point coverage 0.360 vs Lead-3 0.280. The floors are the project's targets
(seeds F1 ≥ 0.90), and the summary must cover at least as many key points as Lead-3.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from spacy.language import Language

from bot.evaluation import (
    GoldPosition,
    SystemPosition,
    evidence_overlaps,
    key_point_coverage,
    score_positions,
)
from bot.evaluation_run import Report, run_evaluation
from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent

MIN_F1 = 0.90
MIN_PRECISION = 0.88
MIN_RECALL = 0.85


@pytest.fixture(scope="module")
def report(nlp: Language) -> Report:
    result = run_evaluation(Settings(_env_file=None))  # type: ignore[call-arg]
    s = result.score
    print(
        "\n[eval] positions: "
        f"precision {s.precision:.3f} ({s.matched_system}/{s.system})  "
        f"recall {s.recall:.3f} ({s.matched_gold}/{s.gold})  F1 {s.f1:.3f}\n"
        f"[eval] summary key-point coverage {result.summary_coverage:.3f}  "
        f"vs Lead-3 {result.lead3_coverage:.3f}  "
        f"(mean lemma recall {result.mean_recall('summary'):.3f} "
        f"vs {result.mean_recall('lead3'):.3f})"
    )
    return result


@pytest.mark.slow
def test_position_extraction_floors(report: Report, record_property) -> None:  # type: ignore[no-untyped-def]
    s = report.score
    for name, value in (("precision", s.precision), ("recall", s.recall), ("f1", s.f1)):
        record_property(name, round(value, 4))
    print(f"precision {s.precision:.3f}  recall {s.recall:.3f}  F1 {s.f1:.3f}")
    assert s.gold == 80
    assert s.precision >= MIN_PRECISION, report.render(errors=True)
    assert s.recall >= MIN_RECALL, report.render(errors=True)
    assert s.f1 >= MIN_F1, report.render(errors=True)


@pytest.mark.slow
def test_summaries_cover_at_least_lead3(report: Report, record_property) -> None:  # type: ignore[no-untyped-def]
    record_property("summary_coverage", round(report.summary_coverage, 4))
    record_property("lead3_coverage", round(report.lead3_coverage, 4))
    print(
        f"summary key-point coverage {report.summary_coverage:.3f}  "
        f"Lead-3 {report.lead3_coverage:.3f}"
    )
    assert len(report.coverage) == 5
    assert report.summary_coverage >= report.lead3_coverage, report.render()


# ------------------------------------------------------------------ the development set

DEV = ROOT / ".." / "shared" / "spec" / "dev"
# Floors on 20 real articles nobody tuned the rules for (`../shared/spec/dev`). At the
# time of writing `python -m bot eval --corpus ../shared/spec/dev` gives F1 0.806 (P 0.780,
# R 0.833) and no wrong-state line. The floors sit just under those figures (the project's
# targets are F1 ≥ 0.75 and wrong state ≤ 2% of stored positions), so a change that gives
# back the precision won by general rules fails here.
MIN_DEV_F1 = 0.79
MIN_DEV_PRECISION = 0.76
MIN_DEV_RECALL = 0.80
MAX_DEV_WRONG_STATE_SHARE = 0.02


@pytest.fixture(scope="module")
def dev_report(nlp: Language) -> Report:
    if not (DEV / "positions_dev.jsonl").exists():
        pytest.skip(f"no development set at {DEV.resolve()} (a user's clone has none)")
    result = run_evaluation(Settings(_env_file=None), DEV)  # type: ignore[call-arg]
    s = result.score
    print(
        f"\n[eval dev] precision {s.precision:.3f} ({s.matched_system}/{s.system})  "
        f"recall {s.recall:.3f} ({s.matched_gold}/{s.gold})  F1 {s.f1:.3f}  "
        f"wrong state {len(s.wrong_state)}/{s.system}"
    )
    return result


@pytest.mark.slow
def test_dev_set_floors(dev_report: Report, record_property) -> None:  # type: ignore[no-untyped-def]
    s = dev_report.score
    record_property("dev_f1", round(s.f1, 4))
    assert s.gold == 120
    assert s.f1 >= MIN_DEV_F1, dev_report.render(errors=True)
    assert s.precision >= MIN_DEV_PRECISION, dev_report.render(errors=True)
    assert s.recall >= MIN_DEV_RECALL, dev_report.render(errors=True)


@pytest.mark.slow
def test_dev_set_wrong_state_share(dev_report: Report) -> None:
    s = dev_report.score
    share = len(s.wrong_state) / max(1, s.system)
    assert share <= MAX_DEV_WRONG_STATE_SHARE, [
        (p.article, p.actor, p.evidence[:80]) for p in s.wrong_state
    ]


def test_dev_report_names_causes(dev_report: Report) -> None:
    text = dev_report.render(errors=True)
    assert "wrong state" in text and "recall by actor" in text and "recall by kind" in text
    assert "[no candidate]" in text or "[wrong topic]" in text
    d = dev_report.as_dict()["positions"]
    assert d["corpus"] == "dev" and d["gold"] == 120  # type: ignore[index]


def test_report_renders_and_serialises(report: Report) -> None:
    text = report.render(errors=True)
    assert "precision" in text and "lead-3" in text and "misses:" in text
    d = report.as_dict()
    assert set(d) == {"positions", "summaries"}
    assert d["positions"]["gold"] == 80  # type: ignore[index]


# ------------------------------------------------------------------ evidence_overlaps


@pytest.mark.parametrize(
    ("system", "gold", "expected"),
    [
        # containment, either way round, whitespace and case aside
        ("Asif said trust was missing.", "Asif said trust was missing.", True),
        ("trust was missing", "Asif said  trust was\nmissing.", True),
        ("Asif said trust was missing. He added more.", "TRUST WAS MISSING", True),
        # half of the shorter side's words shared (3 of 6) is enough …
        ("alpha beta gamma delta epsilon zeta", "alpha beta gamma one two three four", True),
        # … but two of six is not
        ("alpha beta gamma delta epsilon zeta", "alpha beta one two three four", False),
        # no overlap at all
        ("The fence will be finished.", "Aid remains suspended for now.", False),
        # empty never overlaps
        ("", "anything", False),
        ("anything", "   ", False),
        # punctuation only: no words to share
        ("…", "—", False),
    ],
    ids=[
        "identical",
        "contained-in-gold",
        "gold-contained",
        "half-overlap",
        "third-overlap",
        "disjoint",
        "empty-system",
        "blank-gold",
        "punctuation-only",
    ],
)
def test_evidence_overlaps(system: str, gold: str, expected: bool) -> None:
    assert evidence_overlaps(system, gold) is expected
    assert evidence_overlaps(gold, system) is expected  # symmetric


# ------------------------------------------------------------------ score_positions


def _g(article: str, actor: str, topic: str, *evidence: str) -> GoldPosition:
    return GoldPosition(article, actor, topic, evidence)


def _s(article: str, actor: str, topic: str, evidence: str) -> SystemPosition:
    return SystemPosition(article, actor, topic, evidence)


GOLD = [
    _g("a.txt", "Pakistan", "trust", "There is a huge trust deficit, the minister said."),
    _g("a.txt", "United States", "security-aid", "Aid stays frozen, the envoy said."),
    _g("b.txt", "Pakistan", "border-management", "The fence will be done.", "We fence it."),
    _g("b.txt", "Afghanistan", "border-management", "Kabul rejects the fence."),
]


def test_score_positions_known_precision_and_recall() -> None:
    system = [
        _s("a.txt", "Pakistan", "trust", "There is a huge trust deficit"),  # match
        _s("a.txt", "Pakistan", "security-aid", "Aid stays frozen, the envoy said."),  # actor
        _s("b.txt", "Pakistan", "border-management", "We fence it."),  # alt evidence match
        _s("b.txt", "Pakistan", "border-management", "The fence will be done soon."),  # dup
        _s("b.txt", "Afghanistan", "trust", "Kabul rejects the fence."),  # wrong topic
        _s("z.txt", "Pakistan", "trust", "Not an annotated article."),  # ignored
    ]
    score = score_positions(system, GOLD)
    assert score.system == 5  # z.txt is not annotated, so it does not count
    assert score.gold == 4
    assert score.matched_system == 3
    assert score.matched_gold == 2
    assert score.precision == pytest.approx(3 / 5)
    assert score.recall == pytest.approx(2 / 4)
    assert score.f1 == pytest.approx(2 * 0.6 * 0.5 / 1.1)
    assert {(p.actor, p.topic) for p in score.false_positives} == {
        ("Pakistan", "security-aid"),
        ("Afghanistan", "trust"),
    }
    assert {(g.actor, g.topic) for g in score.misses} == {
        ("United States", "security-aid"),
        ("Afghanistan", "border-management"),
    }


@pytest.mark.parametrize(
    ("system", "precision", "recall"),
    [
        ([], 0.0, 0.0),
        ([_s(g.article, g.actor, g.topic, g.evidence[0]) for g in GOLD], 1.0, 1.0),
        ([_s("a.txt", "Pakistan", "trust", "huge trust deficit")], 1.0, 0.25),
    ],
    ids=["nothing", "perfect", "one-right"],
)
def test_score_positions_edges(
    system: list[SystemPosition], precision: float, recall: float
) -> None:
    score = score_positions(system, GOLD)
    assert (score.precision, score.recall) == pytest.approx((precision, recall))
    expected_f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    assert score.f1 == pytest.approx(expected_f1)


def test_key_point_coverage_counts_lemmas(nlp: Language) -> None:
    summary = "Pakistan suspended talks with the envoys over the border fence."
    points = [
        "Talks about the border fence were suspended by Pakistan.",  # all lemmas present
        "Refugees will be repatriated before winter.",  # none present
    ]
    assert key_point_coverage(nlp, summary, points) == (1, 2)
