"""The bundled sample dataset datasets/sample-township/."""

from __future__ import annotations

import pytest

from pbkit.data.io import load_dataset
from pbkit.data.privacy import privacy_check
from pbkit.data.sample import repo_root
from pbkit.data.schema import TABLE_ORDER
from pbkit.data.synth import synthesize

SAMPLE = repo_root() / "datasets" / "sample-township"


@pytest.fixture(scope="module")
def sample():
    return load_dataset(SAMPLE)


def test_sample_loads_cleanly_with_the_loader(sample):
    assert sample.report is None or not sample.report.issues
    assert sorted(p.name for p in SAMPLE.glob("*.csv")) == sorted(f"{t}.csv" for t in TABLE_ORDER)


def test_sample_passes_privacy_check_with_k_at_least_5(sample):
    check = privacy_check(sample, k=5)
    assert check["passed"], check
    assert check["k"] >= 5 and check["under_5"] == 0
    # every identifying people column (the gate was widened): roles, joining and role
    # years, migration and skills as well as the demographic columns
    assert check["columns"] == ["age_band", "gender", "education", "occupation", "org_id",
                                "roles", "join_year", "role_since", "migrant", "destination",
                                "skills", "birth_year"]
    assert check["offices"] == "public" and check["office_holders"] > 0
    assert sample.people["birth_year"].isna().all()


def test_sample_has_the_documented_size(sample):
    assert len(sample.villages()) == 12
    # village branches capped at 50 members: about 500 people
    assert 460 <= len(sample.people) <= 600
    assert 250 <= len(sample.households) <= 340
    assert set(sample.pairings["mechanism"]) == {"one_on_one", "two_plus_one", "bao_cun",
                                                 "branch_pair", "study_help"}


def test_sample_is_exactly_what_synthesize_2025_writes(tmp_path):
    synthesize("township", seed=2025).write_csv(tmp_path)
    for name in TABLE_ORDER:
        assert (SAMPLE / f"{name}.csv").read_bytes() == (tmp_path / f"{name}.csv").read_bytes(), \
            f"{name}.csv differs: regenerate with pbkit synth --scale township --seed 2025"


def test_sample_is_plausible(sample):
    from pbkit.health.membership import membership_summary

    s = membership_summary(sample).set_index("org_id")
    # every branch has a mean age (the data carries age bands only)
    assert s["mean_age"].notna().all()
    names = sample.orgs.set_index("org_id")["name_code"]
    assert names.loc["T01-V02"].endswith("村") and not names.str.fullmatch(r"T\d+.*").any()
