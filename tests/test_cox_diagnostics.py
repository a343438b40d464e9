"""cox.zph, residuals, baseline hazard and predicted survival against R (lottery risk set)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from _helpers import lottery_counting_process

import diffusion_stats as ds
from diffusion_stats import InputError, SpecificationError

FORMULA = "adopt ~ fiscal + elect1 + elect2 + income1 + religion + neighbor"


@pytest.fixture(scope="module")
def ref(reference_dir):
    with open(reference_dir / "cox" / "reference.json") as fh:
        return json.load(fh)["lottery"]


@pytest.fixture(scope="module")
def lottery(shared_data):
    return lottery_counting_process(shared_data)


@pytest.fixture(scope="module")
def fits(lottery):
    return {t: ds.CoxHazard(FORMULA, lottery, ties=t).fit(cluster="state") for t in ("breslow", "efron")}


@pytest.mark.parametrize("ties", ["breslow", "efron"])
@pytest.mark.parametrize("transform", ["km", "rank", "identity"])
def test_cox_zph(fits, ref, ties, transform):
    z = fits[ties].cox_zph(transform)
    R = ref[ties]["zph"][transform]
    assert list(z.index) == R["rows"]
    np.testing.assert_allclose(z["chisq"], R["chisq"], rtol=1e-5)
    np.testing.assert_allclose(z["p"], R["p"], rtol=1e-5)
    assert list(z["df"]) == R["df"]


def test_cox_zph_weighted(lottery, ref):
    res = ds.CoxHazard(FORMULA, lottery, weights="w").fit()
    np.testing.assert_allclose(res.cox_zph("km")["chisq"], ref["efron_weighted"]["zph_km"]["chisq"], rtol=1e-5)


@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_residuals(fits, ref, ties):
    res, R = fits[ties], ref[ties]
    # residual vectors contain exact zeros: absolute tolerance
    np.testing.assert_allclose(res.residuals("martingale"), R["resid_martingale"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(res.residuals("score"), R["resid_score"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(res.residuals("dfbeta"), R["resid_dfbeta"], rtol=0, atol=1e-10)
    sch = res.residuals("schoenfeld")
    ours = sch.sort_values(["time", "fiscal"]).drop(columns="time").to_numpy()
    theirs = pd.DataFrame(R["resid_schoenfeld"]).assign(t=R["resid_schoenfeld_time"])
    theirs = theirs.sort_values(["t", 0]).drop(columns="t").to_numpy()
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-8)


def test_weighted_residuals(lottery, ref):
    res = ds.CoxHazard(FORMULA, lottery, weights="w").fit()
    R = ref["efron_weighted"]
    np.testing.assert_allclose(res.residuals("score"), R["resid_score"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(res.residuals("martingale"), R["resid_martingale"], rtol=0, atol=1e-9)


def test_residual_identities(fits, lottery):
    res = fits["efron"]
    # score residuals (weighted) sum to the score, zero at the maximum
    np.testing.assert_allclose(res.residuals("score").sum(), 0, atol=1e-8)
    # dfbeta cross-product is the robust variance
    D = res.residuals("dfbeta").to_numpy()
    np.testing.assert_allclose(D.T @ D, ds.CoxHazard(FORMULA, lottery).fit(cov_type="robust").cov, rtol=1e-10)
    assert res.residuals("martingale").index.equals(lottery.index)


@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_baseline_hazard_and_survival(fits, ref, ties):
    bh = fits[ties].baseline_hazard()
    R = ref[ties]
    np.testing.assert_allclose(bh["time"], R["basehaz"]["time"])
    np.testing.assert_allclose(bh["hazard"], R["basehaz"]["hazard"], rtol=1e-6)
    nd = pd.DataFrame(R["survfit_new"]["newdata"])
    sf = fits[ties].predict_survival(nd)
    np.testing.assert_allclose(sf.index, R["survfit_new"]["time"])
    np.testing.assert_allclose(sf.to_numpy(), R["survfit_new"]["surv"], rtol=1e-6)


def test_stratified_baseline_and_prediction(lottery):
    lot = lottery.assign(grp=np.where(lottery["statenum"] % 2 == 0, "even", "odd"))
    res = ds.CoxHazard("adopt ~ fiscal + religion", lot, strata="grp").fit()
    bh = res.baseline_hazard()
    assert set(bh["strata"]) == {"even", "odd"}
    assert (bh.groupby("strata")["hazard"].diff().dropna() >= 0).all()
    sf = res.predict_survival(pd.DataFrame({"fiscal": [0.0], "religion": [10.0], "grp": ["odd"]}))
    assert sf.shape[1] == 1 and (np.diff(sf[0].to_numpy()) <= 0).all()


def test_bad_diagnostic_options(fits, lottery):
    with pytest.raises(InputError, match="transform"):
        fits["efron"].cox_zph("log2")
    with pytest.raises(InputError, match="kind"):
        fits["efron"].residuals("deviance2")
    ex = ds.CoxHazard(FORMULA, lottery, ties="exact").fit()
    with pytest.raises(SpecificationError, match="exact"):
        ex.cox_zph()


def test_concordance(lottery, reference_dir, fits, ref):
    assert fits["efron"].concordance == pytest.approx(ref["efron"]["concordance"][0], rel=1e-10)
    assert fits["breslow"].concordance == pytest.approx(ref["breslow"]["concordance"][0], rel=1e-10)
    w = ds.CoxHazard(FORMULA, lottery, weights="w").fit()
    assert w.concordance == pytest.approx(ref["efron_weighted"]["concordance"][0], rel=1e-10)
    with open(reference_dir / "cox" / "reference.json") as fh:
        sim_ref = json.load(fh)["sim"]["efron"]["concordance"][0]
    sim = pd.read_csv(reference_dir / "cox" / "sim_continuous.csv")
    res = ds.CoxHazard("event ~ x1 + x2", sim, strata="grp", weights="w").fit()
    assert res.concordance == pytest.approx(sim_ref, rel=1e-10)
    assert "Concordance= 0.873" in str(fits["efron"].summary())


def test_docstring_examples_run():
    import doctest

    from diffusion_stats.survival import cox
    from diffusion_stats.survival import diagnostics as cox_diagnostics

    for mod in (cox, cox_diagnostics):
        result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, mod.__name__
