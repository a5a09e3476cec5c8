"""The seeds' figures end to end (bench/seeds.py) on a scaled-down national scenario, on PostgreSQL:
every figure read back from the metric tables equals what the scenario's generator implies."""
from __future__ import annotations

import pytest

from bench.seeds import SEEDS, expected_dossier_figures, reproduce
from sandbox.scenario import load_scenario
from tests import postgres

SCALE = 0.002  # about 8,600 dossiers; the monitoring reports of every commune do not scale


def test_at_national_volume_the_generators_rule_gives_the_seeds_dossier_figures():
    expected = expected_dossier_figures(load_scenario("national-2025-08-24"))
    assert expected == {name: SEEDS[name] for name in expected}


@pytest.mark.postgres
@pytest.mark.timeout(600)
def test_the_scaled_national_scenarios_through_the_hub_reproduce_every_figure(pg_admin_url):
    url = postgres.create_database(pg_admin_url)
    try:
        result = reproduce(url, scale=SCALE, monitoring="asserted")
    finally:
        postgres.drop_database(pg_admin_url, url)
    assert result.differences == {}
    assert result.published["lowest online rate: province"] == "14"  # Sơn La, also on the scaled data
    assert result.lowest_on_aug10[0] == "14"
    # the heat map does not scale: the seeds' own numbers
    for name in ("provinces green/yellow/red 10/8", "provinces green/yellow/red 24/8", "Cao Bằng green % 10/8",
                 "communes meeting the basic conditions / communes 24/8", "one-stop staffing % 24/8",
                 "provinces with every commune green 10/8", "provinces > 50 % / > 70 % communes green 24/8"):
        assert result.published[name] == SEEDS[name], name
