"""Resolving what users type to taxonomy ids: ids, labels, aliases, plurals, typos."""

from __future__ import annotations

import pytest
import yaml

from bot.settings import Settings
from bot.topics import load_taxonomy

SHARED_IDS = [
    "haqqani-network",
    "safe-havens",
    "taliban-support",
    "security-aid",
    "trust",
    "afghan-peace-process",
    "afghanistan-war",
    "afghan-refugees",
    "border-management",
    "counterterrorism",
    "alliance",
    "india",
    "china",
    "drug-trade",
    "daesh",
    "pakistan-stability",
    "economy-trade",
    "nuclear",
]


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy(Settings().topics_path)


@pytest.mark.parametrize(
    ("query", "topic", "exact"),
    [
        ("haqqani", "haqqani-network", True),
        ("Haqqani Network", "haqqani-network", True),
        ("haqqani-network", "haqqani-network", True),
        ("HAQQANIS", "haqqani-network", True),
        ("Haqqani’s", "haqqani-network", True),
        ("haqani", "haqqani-network", False),
        ("hakkani network", "haqqani-network", False),
        ("safe haven", "safe-havens", True),
        ("double game", "taliban-support", True),
        ("kashmr", "india", False),
        ("nuclear weapons", "nuclear", False),
        ("aid cuts", "security-aid", False),
        ("border fencing issue", "border-management", False),
    ],
)
def test_resolves(taxonomy, query, topic, exact):
    resolution = taxonomy.resolve(query)
    assert resolution.topic is not None and resolution.topic.id == topic
    assert resolution.exact is exact


@pytest.mark.parametrize(
    ("query", "suggested"),
    [("talibn", "taliban-support"), ("peace", "afghan-peace-process")],
)
def test_unknown_topic_suggests_the_nearest(taxonomy, query, suggested):
    resolution = taxonomy.resolve(query)
    assert resolution.topic is None
    assert suggested in [t.id for t in resolution.suggestions]


@pytest.mark.parametrize("query", ["drones", "xyzzy", "", "   ", "<@U123>"])
def test_nothing_close_suggests_nothing_wrong(taxonomy, query):
    resolution = taxonomy.resolve(query)
    assert resolution.topic is None
    assert len(resolution.suggestions) <= 3


def test_the_shared_taxonomy_ids_are_all_kept(taxonomy):
    """Ids are a contract: the project may add topics and aliases, never drop or rename."""
    assert set(SHARED_IDS) <= {t.id for t in taxonomy}
    with open(Settings().topics_path, encoding="utf-8") as fh:
        ours = yaml.safe_load(fh)["topics"]
    for topic_id in SHARED_IDS:
        assert ours[topic_id]["aliases"], topic_id
