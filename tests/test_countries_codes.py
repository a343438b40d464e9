"""Country code mapping: names -> ISO3 -> COW (by date), overrides, unmapped names."""

from __future__ import annotations

import glob

import numpy as np
import pandas as pd
import pytest

import diffusion_stats as ds
from diffusion_stats import countries as C
from diffusion_stats.countries.codes import PREDECESSOR_OVERRIDES


@pytest.mark.parametrize("raw, clean", [
    ("Germany2", "Germany"), ("Germany2, 3", "Germany"), ("China 4", "China"), ("Ukraine¹", "Ukraine"),
    ("CÃ´te d'Ivoire", "Côte d'Ivoire"), ("  Viet  Nam ", "Viet Nam"), ("Côte d'Ivoire", "Côte d'Ivoire"),
])
def test_clean_name(raw, clean):
    assert C.clean_name(raw) == clean


def test_override_table_is_explicit_and_applied():
    m = C.names_to_iso3(list(C.NAME_OVERRIDES))
    assert m.codes.tolist() == list(C.NAME_OVERRIDES.values())
    assert set(m.source) == {"override"}
    # the ones the brief names, with footnotes stuck to them
    m2 = C.names_to_iso3(["Micronesia (Federated States of)3", "Côte d'Ivoire12", "CÃ´te d'Ivoire"])
    assert m2.codes.tolist() == ["FSM", "CIV", "CIV"] and m2.unmapped == ()


def test_every_name_in_the_data_maps(shared_data):
    names = set()
    for f in glob.glob(str(shared_data / "untreaties" / "treaties" / "*.csv")):
        names |= set(pd.read_csv(f, dtype=str).Participant)
    fctc = pd.read_csv(shared_data / "fctc" / "treaty_dates.csv", dtype=str, na_values=["<NA>"], keep_default_na=False)
    names |= set(fctc.country_name)
    m = C.names_to_iso3(sorted(names))
    assert m.unmapped == ()
    # every non-COW participant is explained
    assert set(m.not_states) == {"European Union", "Holy See", "Cook Islands", "Niue", "State of Palestine"}
    # and every other name reaches a COW code on today's date
    ok = [n for n in sorted(names) if n not in m.not_states]
    codes, _ = C.names_to_cow(ok, ["2010-01-01"] * len(ok))
    assert not np.isnan(codes).any()
    # six names are second spellings (UN vs ISO style: Bolivia, Iran, Micronesia, Venezuela,
    # Swaziland/Eswatini, mis-decoded Côte d'Ivoire)
    assert len(set(codes)) == len(ok) - 6


def test_user_overrides_and_unmapped():
    m = C.names_to_iso3(["Atlantis", "Narnia", "Germany"], overrides={"Atlantis": "isl", "Germany": None})
    assert m.codes.tolist() == ["ISL", None, None]
    assert m.unmapped == ("Narnia", "Germany")
    assert m.source.tolist() == ["user", "unmapped", "user"]
    assert "Narnia" in m.report()
    with pytest.raises(ds.InputError, match="alpha-3"):
        C.names_to_iso3(["Atlantis"], overrides={"Atlantis": "Iceland"})


def test_cow_iso3_table_is_one_to_one_per_date(shared_data):
    t = C.cow_iso3_table()
    assert t.loc[t.ccode == 260, "iso3"].unique().tolist() == ["DEU"]
    assert t.loc[t.ccode == 345, "iso3"].unique().tolist() == ["SRB"]
    assert t.loc[t.ccode == 245, "iso3"].isna().all()           # Bavaria: no ISO3
    assert t.loc[t.ccode == 327, "iso3"].isna().all()           # Papal States are not the Holy See
    # at any date, an ISO3 code belongs to at most one state
    for d in pd.to_datetime(["1900-07-01", "1960-07-01", "1989-07-01", "1990-07-01", "2000-07-01"]):
        live = t[(t.first_date <= d) & (t.last_date >= d) & t.iso3.notna()]
        assert not live.iso3.duplicated().any(), live[live.iso3.duplicated(keep=False)]


def test_iso3_to_cow_by_date():
    got = C.iso3_to_cow(["DEU", "DEU", "DEU", "DEU", "UKR", "YEM", "XXX", None],
                        ["1930-01-01", "1973-12-17", "1990-10-01", "1992-08-18", "1973-11-12", "1995-01-01",
                         "2000-01-01", "2000-01-01"])
    assert got[:6].tolist() == [255, 260, 260, 255, 369, 679]
    assert np.isnan(got[6]) and np.isnan(got[7])
    yrs = C.iso3_to_cow(["DEU", "DEU"], [1960, 1995])
    assert yrs.tolist() == [260, 255]


def test_predecessor_override_documented():
    assert PREDECESSOR_OVERRIDES == {("Yemen", "1990-05-22"): 680}
    codes, _ = C.names_to_cow(["Yemen", "Yemen"], ["1984-05-30", "1991-05-01"])
    assert codes.tolist() == [680, 679]


def test_docstring_examples_run(shared_data):
    """The numpydoc examples of the countries modules run against the real data."""
    import doctest
    import importlib
    import warnings

    for name in ["codes", "cow", "cepii", "treaties"]:
        mod = importlib.import_module(f"diffusion_stats.countries.{name}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ds.RowAccountingWarning)
            res = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert res.failed == 0, f"{name}: {res.failed} failing example(s)"
        assert res.attempted > 0
