"""Every plot type renders to PNG; inputs are validated.

Set DIFFUSION_STATS_PLOT_DIR=some/dir to keep the PNGs for inspection.
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import diffusion_stats as ds  # noqa: E402
from diffusion_stats.inference.results import Results  # noqa: E402
from diffusion_stats.output import plots  # noqa: E402


def _adoptions(seed=1):
    rng = np.random.default_rng(seed)
    rows = []
    for k, pol in enumerate(["lottery", "smoking_ban", "amber_alert", "charter_schools"]):
        for st in plots.US_TILES:
            if rng.random() < 0.85:
                rows.append((st, pol, int(1965 + 6 * k + rng.gamma(2 + k, 4))))
    return pd.DataFrame(rows, columns=["unit", "policy", "year"])


def _panel(seed=2):
    rng = np.random.default_rng(seed)
    n = 4000
    expo = np.where(rng.random(n) < 0.4, 0.0, rng.random(n))
    event = (rng.random(n) < 0.03 + 0.12 * expo).astype(int)
    return pd.DataFrame({"exposure": expo, "event": event})


def _results():
    p = pd.Series({"border": 0.62, "learning": 0.31, "emulation": -0.05, "income": 0.01})
    se = pd.Series({"border": 0.15, "learning": 0.12, "emulation": 0.2, "income": 0.004})
    return Results(params=p, cov=pd.DataFrame(np.diag(se**2), p.index, p.index), nobs=1000)


class _FakeCox(Results):
    model_name = "Cox"

    def residuals(self, kind="schoenfeld"):
        rng = np.random.default_rng(3)
        t = np.sort(rng.uniform(0, 40, 300))
        return pd.DataFrame({"border": 0.6 + 0.01 * (t - 20) + rng.normal(0, 0.8, 300),
                             "income": rng.normal(0, 0.05, 300)}, index=pd.Index(t, name="time"))


@pytest.fixture
def outdir(tmp_path):
    d = os.environ.get("DIFFUSION_STATS_PLOT_DIR")
    if d:
        Path(d).mkdir(parents=True, exist_ok=True)
        return Path(d)
    return tmp_path


def _save(ax, outdir, name):
    assert isinstance(ax, matplotlib.axes.Axes)
    path = outdir / f"{name}.png"
    ax.figure.savefig(path, dpi=90)
    plt.close(ax.figure)
    assert path.stat().st_size > 5000
    return path


def test_render_every_plot_type(outdir):
    a = _adoptions()
    _save(plots.adoption_curves(a, "lottery"), outdir, "adoption_curve_one")
    _save(plots.adoption_curves(a), outdir, "adoption_curves_many")
    many = pd.concat([a.assign(policy=a["policy"] + f"_{i}") for i in range(5)])
    _save(plots.adoption_curves(many, highlight=["lottery_0"]), outdir, "adoption_curves_highlight")
    _save(plots.tile_map(a, "lottery"), outdir, "tile_map")
    _save(plots.exposure_hazard(_panel()), outdir, "exposure_hazard")
    _save(plots.forest(_results()), outdir, "forest")
    r2 = _results()
    _save(plots.forest({"border only": r2, "horse race": _results()}, exponentiate=True), outdir, "forest_models")
    ident = pd.DataFrame({"true": [0.5, 0.3, 0.0], "estimate": [0.48, 0.18, 0.12],
                          "lower": [0.3, -0.05, -0.1], "upper": [0.66, 0.41, 0.35]},
                         index=["border", "learning", "emulation"])
    _save(plots.identification(ident), outdir, "identification")
    sens = pd.DataFrame({"weights": ["rook", "queen", "distance 500km", "knn 4", "learning network"],
                         "estimate": [0.62, 0.60, 0.71, 0.55, 0.33], "std_error": [0.15, 0.15, 0.2, 0.17, 0.12]})
    _save(plots.weight_sensitivity(sens, reference="queen"), outdir, "weight_sensitivity")
    cox = _FakeCox(params=pd.Series({"border": 0.6, "income": 0.0}),
                   cov=pd.DataFrame(np.eye(2) * 0.01, ["border", "income"], ["border", "income"]), nobs=300)
    _save(plots.schoenfeld(cox, "border"), outdir, "schoenfeld")


def test_ax_is_reused():
    fig, axes = plt.subplots(1, 2)
    assert plots.adoption_curves(_adoptions(), ax=axes[0]) is axes[0]
    assert plots.forest(_results(), ax=axes[1]) is axes[1]
    plt.close(fig)


def test_tile_grid_is_complete():
    assert len(plots.US_TILES) == 51
    assert len({(r, c) for r, c, _ in plots.US_TILES.values()}) == 51
    assert plots.state_code("new york") == "NY" and plots.state_code("ca") == "CA"
    assert plots.state_code("Puerto Rico") is None


def test_tile_map_accepts_names_and_mappings():
    ax = plots.tile_map({"California": 1990, "TX": 2001})
    assert "49 hatched" in ax.get_title()
    plt.close(ax.figure)


def test_forest_table_and_long_table():
    t = pd.DataFrame({"term": ["border", "learning"] * 2, "model": ["A", "A", "B", "B"],
                      "coef": [0.5, 0.2, 0.4, 0.1], "se": [0.1, 0.1, 0.2, 0.2]})
    ax = plots.forest(t, by="model")
    assert [x.get_text() for x in ax.get_yticklabels()] == ["border", "learning"]
    plt.close(ax.figure)


def test_errors():
    a = _adoptions()
    with pytest.raises(ds.InputError, match="did you mean 'lottery'"):
        plots.adoption_curves(a, "lotery")
    with pytest.raises(ds.ColumnNotFoundError, match="year"):
        plots.adoption_curves(a.drop(columns="year"))
    with pytest.raises(ds.InputError, match="policy="):
        plots.tile_map(a)
    with pytest.raises(ds.InputError, match="US state"):
        plots.tile_map({"France": 1990})
    with pytest.raises(ds.ColumnNotFoundError, match="expo"):
        plots.exposure_hazard(_panel(), "expo")
    with pytest.raises(ds.InputError, match="terms"):
        plots.forest(_results(), ["nope"])
    with pytest.raises(ds.ColumnNotFoundError, match="estimate"):
        plots.forest(pd.DataFrame({"x": [1]}))
    with pytest.raises(ds.InputError, match="Schoenfeld"):
        plots.schoenfeld(_results())
    with pytest.raises(ds.InputError, match="reference"):
        plots.weight_sensitivity(pd.DataFrame({"estimate": [1.0], "se": [0.1]}, index=["a"]), reference="b")
    plt.close("all")


def test_scaled_schoenfeld_matches_r_cox_zph(reference_dir):
    """The plotted points equal R's cox.zph(fit, transform='identity')$y (tests/reference/plots/)."""
    import json

    ref = json.loads((reference_dir / "plots" / "scaled_schoenfeld.json").read_text())
    d = pd.read_csv(reference_dir / "plots" / "scaled_schoenfeld_data.csv", skipinitialspace=True)
    fit = ds.CoxHazard("event ~ x1 + x2", d).fit()
    np.testing.assert_allclose(fit.params.to_numpy(), ref["coef"], rtol=1e-6)
    scaled, is_scaled = plots._schoenfeld_frame(fit)
    assert is_scaled
    scaled = scaled.sort_values("time")
    np.testing.assert_allclose(scaled["time"].to_numpy(), ref["time"], rtol=1e-12)
    np.testing.assert_allclose(scaled["x1"].to_numpy(), ref["x1"], rtol=1e-6)
    np.testing.assert_allclose(scaled["x2"].to_numpy(), ref["x2"], rtol=1e-6)
    ax = plots.schoenfeld(fit, "x1")
    assert ax.get_lines()[-1].get_ydata()[0] == pytest.approx(ref["coef"][0])  # reference line at the coefficient
    plt.close(ax.figure)


@pytest.fixture(scope="module")
def demo_channels():
    demo = ds.datasets.load_demo()
    st = ds.datasets.load_us_states().query("postal != 'DC'")
    panel = ds.event_history(demo.adoptions, windows=demo.windows, units=st["postal"])
    pairs = st.merge(st, on="division").query("postal_x != postal_y")
    chs = [ds.Channel("border", ds.Weights.us_borders("queen"), mechanism="learning", missing_units="zero"),
           ds.Channel("division", ds.Weights.from_dyads(pairs, unit1="postal_x", unit2="postal_y",
                                                        units=st["postal"].tolist()),
                      mechanism="emulation", missing_units="zero")]
    with pytest.warns(ds.RowAccountingWarning):
        panel = ds.add_channels(panel, demo.adoptions, chs)
    return demo, panel, chs


def test_plots_of_mechanism_results(demo_channels, outdir):
    demo, panel, chs = demo_channels
    model = ds.CoxHazard("event ~ border + division", panel, strata="policy")
    hr = ds.horse_race(model, chs, fit_kwargs={"cov_type": "cluster", "cluster": "unit"})
    ax = plots.forest(hr)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["border (learning)", "division (emulation)"]
    _save(ax, outdir, "forest_horse_race")
    g = ds.galton_check(model, chs, fit_kwargs={"cov_type": "cluster", "cluster": "unit"})
    _save(plots.forest({"without shocks": g.without, "with shocks": g.with_shocks}), outdir, "forest_galton")
    ic = ds.identification_check(panel, demo.adoptions, chs, {"border": 1.0}, n_sim=3, seed=1,
                                 estimator="logit", progress=False)
    _save(plots.identification(ic), outdir, "identification_real")
    _save(plots.identification(ic, kind="confusion"), outdir, "identification_confusion")


def test_weight_sensitivity_result(demo_channels, outdir):
    demo, panel, chs = demo_channels
    model = ds.EventLogit("event ~ border", panel)
    with pytest.warns(ds.RowAccountingWarning, match="AK, HI"):  # isolates stay zero when row-standardised
        ws = ds.weight_sensitivity(model, demo.adoptions, chs[0])
    ax = plots.weight_sensitivity(ws)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert any(lab.endswith("(main)") for lab in labels) and len(labels) == len(ws.table)
    _save(ax, outdir, "weight_sensitivity_real")
    _save(plots.weight_sensitivity(ws, standardized=True), outdir, "weight_sensitivity_std")


def test_scaled_schoenfeld_stratified_matches_r(reference_dir):
    import json

    ref = json.loads((reference_dir / "plots" / "scaled_schoenfeld_strata.json").read_text())
    d = pd.read_csv(reference_dir / "plots" / "scaled_schoenfeld_data.csv", skipinitialspace=True)
    d["g"] = np.where(np.arange(len(d)) % 2 == 0, "a", "b")
    fit = ds.CoxHazard("event ~ x1 + x2", d, strata="g").fit()
    np.testing.assert_allclose(fit.params.to_numpy(), ref["coef"], rtol=1e-6)
    scaled = plots._schoenfeld_frame(fit)[0]
    # R orders by time across strata; equal times in different strata: compare as sorted pairs
    got = scaled[["time", "x1", "x2"]].to_numpy()
    want = np.column_stack([ref["time"], ref["x1"], ref["x2"]])
    got, want = got[np.lexsort((got[:, 1], got[:, 0]))], want[np.lexsort((want[:, 1], want[:, 0]))]
    np.testing.assert_allclose(got[:, 0], want[:, 0], rtol=1e-12)
    np.testing.assert_allclose(got[:, 1:], want[:, 1:], rtol=1e-6)


def test_exposure_hazard_numbers_by_hand():
    p = pd.DataFrame({"exposure": [0, 0, 0.5, 0.5, 0.5, 1, 1], "event": [0, 1, 0, 0, 1, 1, 1]})
    ax = plots.exposure_hazard(p)
    line = ax.get_lines()[0]
    np.testing.assert_allclose(line.get_xdata(), [0, 0.5, 1])
    np.testing.assert_allclose(line.get_ydata(), [1 / 2, 1 / 3, 1.0])
    # Wilson interval of 1/3: centre and half-width by hand
    z = 1.959963984540054
    lo, hi = plots._wilson(np.array([1.0]), np.array([3.0]))
    centre = (1 / 3 + z**2 / 6) / (1 + z**2 / 3)
    half = z * np.sqrt((1 / 3) * (2 / 3) / 3 + z**2 / 36) / (1 + z**2 / 3)
    np.testing.assert_allclose([lo[0], hi[0]], [centre - half, centre + half])
    plt.close(ax.figure)


def test_adoption_curve_values():
    a = pd.DataFrame({"unit": ["A", "B", "C"], "policy": "p", "year": [2000, 2002, 2002]})
    ax = plots.adoption_curves(a, n_units=4)
    x, y = ax.get_lines()[0].get_xdata(), ax.get_lines()[0].get_ydata()
    assert list(zip(x, y, strict=True)) == [(2000, 0.0), (2000, 0.25), (2002, 0.75), (2002, 0.75)]
    plt.close(ax.figure)


def _strat_cox():
    rng = np.random.default_rng(7)
    n = 120
    df = pd.DataFrame({"stop": rng.integers(1, 15, n).astype(float), "event": (rng.random(n) < 0.7).astype(int),
                       "x": rng.normal(size=n), "g": np.where(rng.random(n) < 0.5, "a", "b")})
    return ds.CoxHazard("event ~ x", df, start=None, strata="g").fit()


def test_survival_plot_by_stratum(outdir):
    res = _strat_cox()
    bh = res.baseline_hazard()
    ax = plots.survival(res, kind="cumulative_hazard")
    lines = ax.get_lines()
    assert len(lines) == 2
    for line, s in zip(lines, ["a", "b"], strict=True):
        b = bh[bh["strata"] == s]
        np.testing.assert_allclose(line.get_ydata()[1:], b["hazard"].to_numpy())
        np.testing.assert_allclose(line.get_xdata()[1:], b["time"].to_numpy())
    ax.figure.savefig(outdir / "cumhaz.png")
    ax2 = plots.survival(res, strata=["b"])
    (ln,) = ax2.get_lines()
    np.testing.assert_allclose(ln.get_ydata()[1:], np.exp(-bh[bh["strata"] == "b"]["hazard"].to_numpy()))
    ax2.figure.savefig(outdir / "survival.png")
    nd = pd.DataFrame({"x": [0.0, 1.0], "g": ["a", "a"]})
    ax3 = plots.survival(res, nd)
    sv = res.predict_survival(nd)
    np.testing.assert_allclose(ax3.get_lines()[1].get_ydata()[1:], sv.iloc[:, 1].to_numpy())
    with pytest.raises(ds.InputError):
        plots.survival(res, strata=["zz"])
    with pytest.raises(ds.InputError):
        plots.survival(res, kind="hazard")
    plt.close("all")


def test_country_map_synthetic_positions_errors_and_unplaced(outdir):
    cap = pd.DataFrame({"ccode": [2, 220, 710, 140], "lat": [38.9, 48.9, 39.9, -15.8],
                        "lng": [-77.0, 2.3, 116.4, -47.9]})
    vals = pd.Series({"2": 2003, 220.0: 2007, "140": 2010, "99999": 2001, "xx": 1999}, name="year")
    with pytest.warns(ds.RowAccountingWarning, match=r"2 country code\(s\).*99999, xx"):
        ax = plots.country_map(vals, units=[2, 220, 710, 140], capitals=cap)
    dots = ax.collections[0].get_offsets()
    assert dots.tolist() == [[-77.0, 38.9], [2.3, 48.9], [-47.9, -15.8]]  # in the order of values
    assert ax.collections[1].get_offsets().tolist() == [[116.4, 39.9]]  # 710: in units, no value
    assert "not placed (no capital position, 2): 99999, xx" in ax.texts[-1].get_text()
    assert ax.get_xlim() == (-180.0, 180.0)
    _save(ax, outdir, "country_map_synthetic")
    # categorical values get a legend; a region zooms to its countries
    ax = plots.country_map({2: "yes", 140: "no", 220: "yes"}, capitals=cap, region="Americas")
    assert len(ax.collections[0].get_offsets()) == 2
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["no", "yes"]
    assert ax.get_xlim()[1] < 0  # zoomed to the Americas
    ax = plots.country_map({2: 1.0, 220: 2.0}, capitals=cap, color="region")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Americas", "Europe"]
    fig, given = plt.subplots()
    assert plots.country_map({2: 1.0}, capitals=cap, ax=given) is given
    with pytest.raises(ds.InputError, match="values must be a pandas Series"):
        plots.country_map([1, 2], capitals=cap)
    with pytest.raises(ds.InputError, match="one value per country"):
        plots.country_map(pd.Series([1, 2], index=["2", "2"]), capitals=cap)
    with pytest.raises(ds.InputError, match="did you mean 'Europe'"):
        plots.country_map({2: 1.0}, capitals=cap, region="Europa")
    with pytest.raises(ds.InputError, match="code"):
        plots.country_map({2: 1.0}, capitals=cap, code="iso2")
    with pytest.raises(ds.InputError, match="one position per country"):
        plots.country_map({2: 1.0}, capitals=pd.concat([cap, cap]))
    with pytest.raises(ds.ColumnNotFoundError):
        plots.country_map({2: 1.0}, capitals=cap.drop(columns="lat"))
    plt.close("all")


def test_country_map_of_iccpr_op2_ratifications(outdir, shared_data, monkeypatch):
    from diffusion_stats import countries as C

    monkeypatch.setenv("DIFFUSION_STATS_DATA", str(shared_data))
    cap = C.read_cow_capitals()
    assert cap["unit"].is_unique and len(cap) == 217
    assert cap.set_index("unit").loc[["475", "770", "900"], "capital"].tolist() == ["Abuja", "Islamabad", "Canberra"]
    assert C.read_cow_capitals(year=1985).set_index("unit").loc["475", "capital"] == "Lagos"
    op2 = C.read_un_treaty("4-12", merge="continuity")
    first = op2.groupby("unit")["year"].min().rename("ratification year")
    system = C.states_in_system(2014, C.read_cow_states(merge="continuity"))
    ax = plots.country_map(first, units=system["unit"], capitals=cap)
    dots = ax.collections[0].get_offsets()
    assert len(dots) == len(first) == 81  # every ratifier placed at its capital
    pos = cap.set_index("unit")
    np.testing.assert_allclose(dots, pos.loc[first.index, ["lng", "lat"]].to_numpy())
    np.testing.assert_array_equal(ax.collections[0].get_array(), first.to_numpy())
    hollow = set(system["unit"]) - set(first.index)
    assert len(ax.collections[1].get_offsets()) == len(hollow)
    assert "2" in hollow and "220" not in hollow  # the United States has not ratified, France has
    _save(ax, outdir, "country_map_iccpr_op2")
    # the same map keyed by ISO3 codes
    iso = op2.drop_duplicates("unit").set_index("iso3")["year"]
    ax = plots.country_map(iso, code="iso3", capitals=cap)
    np.testing.assert_allclose(np.sort(ax.collections[0].get_offsets(), axis=0), np.sort(dots, axis=0))
    plt.close("all")
