# Reference values for diffusion_stats.CoxHazard (tests/test_cox*.py).
#
# Run from the repository root:
#   Rscript tests/reference/cox/make_reference.R
# Writes tests/reference/cox/reference.json (full precision). Tests read that file and
# never call R. Built with R 4.2 and survival 3.5.
#
# Data (read from ../shared/data, never copied into the repo):
#   * Berry & Berry (1990) lottery risk set, dhb2015/lottery.tab: state-years at risk,
#     year 64..86 (1964-86); counting-process time start = year - 64, stop = start + 1.
#   * SPID v1.0, spid/policies.RData: pooled event-history panel built here,
#     independently of the Python builders: for each policy all 50 states are at risk
#     from first_year until their adoption year (event) or last_year; adoptions before
#     first_year (2, gambling_casino) are excluded; start = year - first_year,
#     stop = start + 1; covariate `share` = share of bordering states (queen contiguity,
#     datasets/us_state_borders.csv) that adopted by year - 1; strata = policy.
#
# Convergence: every fit uses coxph.control(eps = 1e-12, iter.max = 100) so the stored
# values are the converged maximum (the package converges to the same point).
# Two-way clustering (R has none for Cox): V = V_a + V_b - V_ab from three one-way
# clustered fits (Cameron, Gelbach & Miller 2011), with V_ab clustered on a:b.
# Exact ties: survival::clogit(event ~ x + strata(risk_set), method = "exact") with one
# stratum per (stratum, event time) risk set: the same likelihood as coxph(ties = "exact").

suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = FALSE)
here <- dirname(normalizePath(sub("^--file=", "", args[grep("^--file=", args)])))
shared <- normalizePath(file.path(here, "..", "..", "..", "..", "shared", "data"))
ctrl <- coxph.control(eps = 1e-12, iter.max = 100, toler.chol = 1e-13)
out <- list()

fit_summary <- function(fit) {
  s <- list(
    coef = unname(coef(fit)),
    names = names(coef(fit)),
    var = unname(fit$var),
    loglik = unname(fit$loglik),
    n = fit$n, nevent = fit$nevent, iter = fit$iter,
    score = unname(fit$score), wald = unname(fit$wald.test)
  )
  if (!is.null(fit$naive.var)) s$naive_var <- unname(fit$naive.var)
  if (!is.null(fit$rscore)) s$rscore <- unname(fit$rscore)
  s$lr <- unname(2 * diff(fit$loglik))
  s$concordance <- unname(fit$concordance[c("concordance", "std")])
  s
}

zph_summary <- function(fit, transform) {
  z <- cox.zph(fit, transform = transform, terms = FALSE)
  list(chisq = unname(z$table[, "chisq"]), df = unname(z$table[, "df"]),
       p = unname(z$table[, "p"]), rows = rownames(z$table),
       x = unname(z$x), y = unname(z$y), time = unname(z$time))
}

# ---------------------------------------------------------------------------
# 1. tiny hand-checked case (right-censored, ties at times 1, 2, 4)
tiny <- data.frame(
  start = 0,
  stop  = c(1, 1, 1, 2, 2, 2, 3, 4, 4, 4),
  event = c(1, 1, 0, 1, 0, 1, 1, 1, 1, 0),
  x     = c(0, 1, 1, 1, 0, 2, 1, 0, 1, 2),
  w     = c(1, 2, 1, 1, 3, 1, 2, 1, 1, 1)
)
for (m in c("breslow", "efron", "exact")) {
  f <- coxph(Surv(start, stop, event) ~ x, data = tiny, ties = m, control = ctrl)
  out$tiny[[m]] <- fit_summary(f)
}
# the same likelihood as clogit on the risk sets spelled out (one row per set member)
ex <- do.call(rbind, lapply(sort(unique(tiny$stop[tiny$event == 1])), function(t) {
  r <- tiny[tiny$stop >= t, ]
  r$rs <- t
  r$ev <- as.integer(r$event == 1 & r$stop == t)
  r
}))
out$tiny$clogit_exact <- fit_summary(clogit(ev ~ x + strata(rs), data = ex,
                                            method = "exact", control = ctrl))
fw <- coxph(Surv(start, stop, event) ~ x, data = tiny, ties = "efron", weights = w,
            control = ctrl)
out$tiny$efron_weighted <- fit_summary(fw)
fb0 <- coxph(Surv(start, stop, event) ~ x, data = tiny, ties = "breslow",
             init = 0, control = coxph.control(iter.max = 0))
fe0 <- coxph(Surv(start, stop, event) ~ x, data = tiny, ties = "efron",
             init = 0, control = coxph.control(iter.max = 0))
out$tiny$loglik0 <- list(breslow = fb0$loglik[1], efron = fe0$loglik[1])

# ---------------------------------------------------------------------------
# 2. Berry & Berry lottery
lot <- read.delim(file.path(shared, "dhb2015", "lottery.tab"))
lot$start <- lot$year - 64
lot$stop <- lot$start + 1
lot$w <- 1 + (lot$statenum %% 3)
fml <- Surv(start, stop, adopt) ~ fiscal + elect1 + elect2 + income1 + religion + neighbor
L <- list()
for (m in c("breslow", "efron")) {
  f <- coxph(fml, data = lot, ties = m, control = ctrl)
  L[[m]] <- fit_summary(f)
  L[[m]]$cluster_state <- fit_summary(coxph(fml, data = lot, ties = m, cluster = state, control = ctrl))
  fy <- coxph(fml, data = lot, ties = m, cluster = year, control = ctrl)
  fsy <- coxph(fml, data = lot, ties = m, cluster = interaction(state, year), control = ctrl)
  fs <- coxph(fml, data = lot, ties = m, cluster = state, control = ctrl)
  L[[m]]$cluster_year <- fit_summary(fy)
  L[[m]]$robust <- fit_summary(coxph(fml, data = lot, ties = m, id = seq_len(nrow(lot)), robust = TRUE, control = ctrl))
  L[[m]]$twoway_state_year_var <- unname(fs$var + fy$var - fsy$var)
  L[[m]]$resid_martingale <- unname(residuals(f, type = "martingale"))
  L[[m]]$resid_score <- unname(residuals(f, type = "score"))
  L[[m]]$resid_dfbeta <- unname(residuals(f, type = "dfbeta"))
  L[[m]]$resid_schoenfeld <- unname(residuals(f, type = "schoenfeld"))
  L[[m]]$resid_schoenfeld_time <- as.numeric(rownames(residuals(f, type = "schoenfeld")))
  L[[m]]$zph <- list(km = zph_summary(f, "km"), rank = zph_summary(f, "rank"),
                     identity = zph_summary(f, "identity"))
  bh <- basehaz(f, centered = FALSE)
  L[[m]]$basehaz <- list(time = bh$time, hazard = bh$hazard)
  nd <- data.frame(fiscal = c(0, -0.1), elect1 = c(0, 1), elect2 = c(1, 0),
                   income1 = c(80, 100), religion = c(10, 30), neighbor = c(0, 2))
  sf <- survfit(f, newdata = nd)
  L[[m]]$survfit_new <- list(time = sf$time, surv = unname(sf$surv), newdata = nd)
}
fwt <- coxph(fml, data = lot, ties = "efron", weights = w, control = ctrl)
L$efron_weighted <- fit_summary(fwt)
L$efron_weighted$cluster_state <- fit_summary(
  coxph(fml, data = lot, ties = "efron", weights = w, cluster = state, control = ctrl))
L$efron_weighted$resid_score <- unname(residuals(fwt, type = "score"))
L$efron_weighted$resid_martingale <- unname(residuals(fwt, type = "martingale"))
L$efron_weighted$zph_km <- zph_summary(fwt, "km")
L$exact <- fit_summary(clogit(adopt ~ fiscal + elect1 + elect2 + income1 + religion + neighbor +
                                strata(year), data = lot, method = "exact", control = ctrl))
L$exact_coxph <- fit_summary(coxph(fml, data = lot, ties = "exact", control = ctrl))
out$lottery <- L

# ---------------------------------------------------------------------------
# 3. SPID pooled event-history panel with border exposure
source(file.path(here, "..", "spid_panel.R"))
sp <- spid_pooled_panel(shared, file.path(here, "..", "..", "..", "datasets", "us_state_borders.csv"))
panel <- sp$panel
early <- sp$early
S <- list(nrow = nrow(panel), events = sum(panel$event), n_early = nrow(early),
          share_sum = sum(panel$share), share_sq = sum(panel$share^2))
t0 <- proc.time()[["elapsed"]]
fs <- coxph(Surv(start, stop, event) ~ share + strata(policy), data = panel,
            cluster = state, ties = "efron", control = ctrl)
S$seconds_fit <- proc.time()[["elapsed"]] - t0
S$efron <- fit_summary(fs)
fb <- coxph(Surv(start, stop, event) ~ share + strata(policy), data = panel,
            cluster = state, ties = "breslow", control = ctrl)
S$breslow <- fit_summary(fb)
fy <- coxph(Surv(start, stop, event) ~ share + strata(policy), data = panel,
            cluster = year, ties = "efron", control = ctrl)
fsy <- coxph(Surv(start, stop, event) ~ share + strata(policy), data = panel,
             cluster = interaction(state, year, drop = TRUE), ties = "efron", control = ctrl)
S$efron_cluster_year <- fit_summary(fy)
S$efron_twoway_state_year_var <- unname(fs$var + fy$var - fsy$var)
# exact ties on the pooled panel: clogit with one stratum per (policy, year) risk set
panel$rs <- paste(panel$policy, panel$stop)
t0 <- proc.time()[["elapsed"]]
S$exact <- fit_summary(clogit(event ~ share + strata(rs), data = panel, method = "exact",
                              control = ctrl))
S$seconds_exact <- proc.time()[["elapsed"]] - t0
out$spid <- S

# a small SPID subset (10 policies) for strata + exact ties + cox.zph with strata
sub_pols <- sort(unique(panel$policy))[seq(1, 728, length.out = 10)]
sub <- panel[panel$policy %in% sub_pols, ]
sub$year2 <- sub$year - 1900
sub$rs <- paste(sub$policy, sub$stop)
Sub <- list(policies = sub_pols, nrow = nrow(sub), events = sum(sub$event))
for (m in c("breslow", "efron")) {
  f <- coxph(Surv(start, stop, event) ~ share + year2 + strata(policy), data = sub,
             ties = m, cluster = state, control = ctrl)
  Sub[[m]] <- fit_summary(f)
  Sub[[m]]$zph <- list(km = zph_summary(f, "km"), rank = zph_summary(f, "rank"),
                       identity = zph_summary(f, "identity"))
  Sub[[m]]$resid_score <- unname(residuals(f, type = "score"))
  Sub[[m]]$resid_martingale <- unname(residuals(f, type = "martingale"))
}
Sub$exact <- fit_summary(clogit(event ~ share + year2 + strata(rs), data = sub,
                                method = "exact", control = ctrl))
out$spid_subset <- Sub

# ---------------------------------------------------------------------------
# 4. simulated continuous-time data (tests/reference/cox/sim_continuous.csv, written by
#    make_sim.py): delayed entry, gaps, ties, strata, case weights
sim <- read.csv(file.path(here, "sim_continuous.csv"))
sim$w <- as.numeric(sim$w)  # cox.zph needs double weights
Sim <- list()
for (m in c("breslow", "efron")) {
  f <- coxph(Surv(start, stop, event) ~ x1 + x2 + strata(grp), data = sim, ties = m,
             weights = w, cluster = unit, control = ctrl)
  Sim[[m]] <- fit_summary(f)
  Sim[[m]]$zph_km <- zph_summary(f, "km")
  Sim[[m]]$resid_score <- unname(residuals(f, type = "score"))
  Sim[[m]]$resid_martingale <- unname(residuals(f, type = "martingale"))
  bh <- basehaz(f, centered = FALSE)
  Sim[[m]]$basehaz <- list(time = bh$time, hazard = bh$hazard, strata = as.character(bh$strata))
}
Sim$exact <- fit_summary(coxph(Surv(start, stop, event) ~ x1 + x2 + strata(grp), data = sim,
                               ties = "exact", control = ctrl))
out$sim <- Sim

write_json(out, file.path(here, "reference.json"), digits = NA, auto_unbox = TRUE,
           pretty = FALSE, matrix = "rowmajor")
cat("wrote", file.path(here, "reference.json"), "\n")
print(summary(fs))
