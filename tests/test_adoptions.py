"""ds.read_adoptions: formats, layouts, canonical output and its errors."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import diffusion_stats as ds
from diffusion_stats.design.adoptions import as_adoptions

RAW = pd.DataFrame({
    "state": ["CA", "NV", "CA", "OR"],
    "law": ["a", "a", "b", "b"],
    "adopted": [1990, 1992, 1985, 1985],
})
CANON = pd.DataFrame({
    "unit": ["CA", "NV", "CA", "OR"],
    "policy": ["a", "a", "b", "b"],
    "year": np.array([1990, 1992, 1985, 1985], dtype="int64"),
})


def _read(df, **kw):
    return ds.read_adoptions(df, unit="state", policy="law", year="adopted", **kw)


def _canonical_ok(out: pd.DataFrame) -> None:
    assert list(out.columns) == ["unit", "policy", "year"]
    assert out["year"].dtype == np.int64
    assert out["unit"].map(type).eq(str).all() and out["policy"].map(type).eq(str).all()
    assert not out.duplicated(["unit", "policy"]).any()
    srt = out.sort_values(["policy", "year", "unit"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(out.reset_index(drop=True), srt)


def test_dataframe_long_canonical():
    out = _read(RAW.sample(frac=1, random_state=1))
    _canonical_ok(out)
    pd.testing.assert_frame_equal(out, CANON.sort_values(["policy", "year", "unit"]).reset_index(drop=True))
    acc = ds.accounting(out)
    assert acc.n_rows == 4 and acc.counts["adoptions"] == 4
    assert acc.counts["units"] == 3 and acc.counts["policies"] == 2
    assert acc.exclusions == []


def test_labels_and_years_normalised():
    raw = pd.DataFrame({"unit": [1.0, 2.0, 3.0], "policy": [" p ", "p", "q"], "year": ["1990", 1991.0, "1992"]})
    out = ds.read_adoptions(raw)
    _canonical_ok(out)
    assert out["unit"].tolist() == ["1", "2", "3"]
    assert out["policy"].tolist() == ["p", "p", "q"]
    assert out["year"].tolist() == [1990, 1991, 1992]


def test_datetime_years():
    raw = pd.DataFrame({"unit": ["a", "b"], "policy": ["p", "p"],
                        "year": pd.to_datetime(["1990-05-01", "1991-12-31"])})
    assert ds.read_adoptions(raw)["year"].tolist() == [1990, 1991]


@pytest.mark.parametrize("ext", [".csv", ".tsv", ".tab", ".txt", ".dta", ".parquet", ".rds", ".RData"])
def test_file_formats(tmp_path, ext):
    path = tmp_path / f"adopt{ext}"
    if ext == ".csv":
        RAW.to_csv(path, index=False)
    elif ext in {".tsv", ".tab", ".txt"}:
        RAW.to_csv(path, index=False, sep="\t")
    elif ext == ".dta":
        RAW.to_stata(path, write_index=False)
    elif ext == ".parquet":
        RAW.to_parquet(path)
    elif ext == ".rds":
        import pyreadr
        pyreadr.write_rds(str(path), RAW)
    else:
        import pyreadr
        pyreadr.write_rdata(str(path), RAW, df_name="adoptions")
    out = _read(str(path))
    pd.testing.assert_frame_equal(out, _read(RAW))


def test_rdata_several_objects(shared_data):
    path = shared_data / "spid" / "policies.RData"
    # only `policies` holds these columns: picked automatically
    out = ds.read_adoptions(path, unit="statenam", year="adopt_year")
    assert len(out) == 17_835 and out["unit"].nunique() == 50 and out["policy"].nunique() == 728
    _canonical_ok(out)
    same = ds.read_adoptions(path, unit="statenam", year="adopt_year", object="policies")
    pd.testing.assert_frame_equal(out, same)
    with pytest.raises(ds.InputError, match="choose one with object=.*'policies'.*'policies_metadata'"):
        ds.read_adoptions(path, unit="state", year="adopt_year")
    with pytest.raises(ds.InputError, match="did you mean 'policies'"):
        ds.read_adoptions(path, unit="statenam", year="adopt_year", object="policy")


def test_wide_layout():
    wide = pd.DataFrame({"unit": ["CA", "NV", "OR"], "a": [1990, 1992, np.nan], "b": [1985.0, None, 1985]})
    out = ds.read_adoptions(wide, wide=True)
    pd.testing.assert_frame_equal(out, CANON.sort_values(["policy", "year", "unit"]).reset_index(drop=True))
    acc = ds.accounting(out)
    assert acc.counts["cells"] == 6 and acc.counts["empty cells (never adopted)"] == 2
    # unit labels in the index
    out2 = ds.read_adoptions(wide.set_index("unit"), wide=True)
    pd.testing.assert_frame_equal(out, out2)


def test_wide_file(tmp_path):
    wide = pd.DataFrame({"state": ["CA", "NV"], "a": [1990, None], "b": [None, None]})
    path = tmp_path / "w.csv"
    wide.to_csv(path, index=False)
    out = ds.read_adoptions(path, unit="state", wide=True)
    assert out.to_dict("list") == {"unit": ["CA"], "policy": ["a"], "year": [1990]}


def test_duplicates_listed():
    raw = pd.concat([RAW, RAW.iloc[[0]].assign(adopted=1995), RAW.iloc[[3]]], ignore_index=True)
    with pytest.raises(ds.DataValidationError, match=r"2 unit-policy pairs adopt more than once.*CA a: \[1990, 1995\]"):
        _read(raw)
    with pytest.warns(ds.RowAccountingWarning, match="kept the earliest"):
        out = _read(raw, duplicates="first")
    pd.testing.assert_frame_equal(out.drop(columns=[]), _read(RAW))
    assert ds.accounting(out).n_excluded == 2


def test_missing_years_counted_with_examples():
    raw = RAW.assign(adopted=[1990, np.nan, None, 1985])
    with pytest.raises(ds.DataValidationError, match=r"2 rows .* missing 'adopted' \(e.g. state='NV', law='a'"):
        _read(raw)
    with pytest.warns(ds.RowAccountingWarning, match="2 rows had no adoption year"):
        out = _read(raw, missing="drop")
    assert len(out) == 2 and ds.accounting(out).n_excluded == 2


def test_non_integer_years():
    with pytest.raises(ds.DataValidationError, match=r"1 values of 'adopted' .* not integer years .*1990.5"):
        _read(RAW.assign(adopted=[1990.5, 1992, 1985, 1985]))
    with pytest.raises(ds.DataValidationError, match="not integer years.*'soon'"):
        _read(RAW.assign(adopted=["1990", "soon", "1985", "1985"]))
    with pytest.raises(ds.DataValidationError, match="not integer years"):
        _read(RAW.assign(adopted=[1990, np.inf, 1985, 1985]))


def test_missing_labels():
    with pytest.raises(ds.DataValidationError, match="no 'state' label"):
        _read(RAW.assign(state=["CA", None, "CA", "OR"]))


def test_unknown_units_with_suggestion():
    with pytest.raises(ds.DataValidationError, match=r"1 units .* 'OR' \(did you mean 'ORE'\?\)"):
        _read(RAW, units=["CA", "NV", "ORE"])
    out = _read(RAW, units=pd.DataFrame({"unit": ["CA", "NV", "OR", "WA"]}))
    assert len(out) == 4


def test_window_common_and_per_policy():
    with pytest.raises(ds.DataValidationError, match=r"2 adoptions fall outside the window 1986..open.*CA b 1985"):
        _read(RAW, window=(1986, None))
    assert len(_read(RAW, window=(1985, 1992))) == 4
    win = pd.DataFrame({"policy": ["a", "b"], "first_year": [1990, 1986], "last_year": [2000, 2000]})
    with pytest.raises(ds.DataValidationError, match="2 adoptions fall outside their policy's window"):
        _read(RAW, window=win)
    with pytest.raises(ds.DataValidationError, match="no row in window="):
        _read(RAW, window=win.iloc[:1])
    with pytest.raises(ds.InputError, match="window= must be"):
        _read(RAW, window=1990)


def test_missing_column_did_you_mean():
    with pytest.raises(ds.ColumnNotFoundError, match="column 'stat' not found.*did you mean 'state'"):
        ds.read_adoptions(RAW, unit="stat", policy="law", year="adopted")
    with pytest.raises(KeyError):  # also a KeyError for `except KeyError` users
        ds.read_adoptions(RAW)


def test_bad_sources(tmp_path):
    with pytest.raises(ds.DataNotAvailableError, match="not found"):
        ds.read_adoptions(tmp_path / "nope.csv")
    p = tmp_path / "x.xlsx"
    p.write_text("x")
    with pytest.raises(ds.InputError, match="unsupported file type"):
        ds.read_adoptions(p)
    with pytest.raises(ds.InputError, match="DataFrame or a file path"):
        ds.read_adoptions([1, 2, 3])
    with pytest.raises(ds.InputError, match="duplicates="):
        ds.read_adoptions(CANON, duplicates="last")


def test_as_adoptions_passthrough_and_errors():
    out = as_adoptions(CANON)
    _canonical_ok(out)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        as_adoptions(CANON)
    with pytest.raises(ds.DataValidationError, match="adopt more than once"):
        as_adoptions(pd.concat([CANON, CANON.iloc[[0]]]))
    with pytest.raises(ds.InputError, match="must be a DataFrame"):
        as_adoptions({"unit": []})


def test_empty_input():
    out = ds.read_adoptions(CANON.iloc[:0])
    assert len(out) == 0 and list(out.columns) == ["unit", "policy", "year"]


def test_wide_never_codes():
    wide = pd.DataFrame({"unit": ["CA", "NV", "OR"], "a": [1990, 0, 0], "b": ["1985", "-", "1985"]})
    out = ds.read_adoptions(wide, wide=True, never=[0, "-"])
    pd.testing.assert_frame_equal(out, ds.read_adoptions(
        pd.DataFrame({"unit": ["CA", "CA", "OR"], "policy": ["a", "b", "b"], "year": [1990, 1985, 1985]})))
    assert ds.accounting(out).counts["empty cells (never adopted)"] == 3
    with pytest.raises(ds.DataValidationError, match="not integer years.*'-'"):
        ds.read_adoptions(wide, wide=True, never=0)
    with pytest.raises(ds.InputError, match="never= applies to the wide layout"):
        ds.read_adoptions(CANON, never=0)
