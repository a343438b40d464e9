# Reference values for diffusion_stats.MixedEventLogit (tests/test_mixed.py): lme4::glmer.
#
# Run from the repository root:  Rscript tests/reference/mixed/make_reference.R [frailty] [crossed]
# Writes tests/reference/mixed/reference.json (full precision). Needs ../shared/data.
# With arguments, only those sections (3: gamma frailty Cox, 4: crossed random effects)
# are recomputed and merged into the existing file.
#
# Designs (data read from ../shared/data, never copied into the repo):
#   * DHB 2015 smoking risk sets (dhb2015/smoking.tab, Shipan & Volden 2006): three
#     anti-smoking laws stacked (policynum), complete cases of the variables used;
#     yr = (year - 1990) / 10, smk = (percentsmokers - 25) / 10; policy fixed effects, random effects by state.
#   * SPID "Government Operations" policies (30 policies), the pooled panel built in base
#     R (spid_panel.R, as the Cox reference); lt = log(stop); random effects by policy.
#
# glmer's optimiser stops at its own tolerance (~1e-4 relative on the parameters by
# default, worse on flat likelihoods: nloptwrap even with xtol_abs = ftol_abs = 1e-12
# stopped 1e-3 off here); the fits use bobyqa with rhoend = 1e-10, maxfun = 1e5 and one
# restart from the optimum so the stored optimum is as tight as glmer gets, and
# tolPwrss = 1e-13: glmer's penalised IRLS stops on a relative change of the penalised
# deviance (default 1e-7), which leaves the conditional modes ~1e-3 off and the Laplace
# objective noisy at ~1e-3 (its log-determinant is first order in the modes). Each fit also
# stores glmer's deviance function evaluated at a fixed probe point (theta, beta), so the
# objective itself can be compared exactly.
suppressPackageStartupMessages({library(lme4); library(jsonlite); library(survival)})
only <- commandArgs(trailingOnly = TRUE)  # "frailty" / "crossed": recompute those sections only
only_frailty <- length(only) > 0
args <- commandArgs(trailingOnly = FALSE)
here <- dirname(normalizePath(sub("^--file=", "", args[grep("^--file=", args)])))
repo <- normalizePath(file.path(here, "..", "..", ".."))
shared <- file.path(repo, "..", "shared", "data")
source(file.path(here, "spid_panel.R"))
ctl <- glmerControl(optimizer = "bobyqa", calc.derivs = TRUE, tolPwrss = 1e-13,
                    optCtrl = list(rhoend = 1e-10, maxfun = 1e5))
# each fit is restarted once from its own optimum (bobyqa's trust region is rebuilt)
refit <- function(fit) {
  cl <- getCall(fit)
  cl$start <- list(theta = getME(fit, "theta"), fixef = fixef(fit))  # the values, not a name
  eval(cl, globalenv())
}

pack <- function(fit, probe_theta, probe_beta) {
  fit <- refit(fit)
  dd <- update(fit, devFunOnly = TRUE)
  re <- ranef(fit, condVar = TRUE)[[1]]
  pv <- attr(re, "postVar")  # q x q x J
  q <- dim(pv)[1]
  cv <- t(apply(pv, 3, function(m) diag(m)))
  if (q == 1) cv <- t(cv)
  t0 <- proc.time()[["elapsed"]]
  out <- list(theta = unname(getME(fit, "theta")), beta = unname(fixef(fit)), names = names(fixef(fit)),
       loglik = as.numeric(logLik(fit)), deviance = unname(deviance(fit)), aic = AIC(fit), bic = BIC(fit),
       nobs = nobs(fit), ngroups = unname(ngrps(fit)),
       vcov = unname(as.matrix(vcov(fit))), vcov_pirls = unname(as.matrix(vcov(fit, use.hessian = FALSE))),
       levels = rownames(re), ranef = unname(as.matrix(re)), condvar = unname(cv),
       varcorr = unname(as.matrix(VarCorr(fit)[[1]])),
       probe_theta = probe_theta, probe_beta = probe_beta,
       probe_dev = dd(c(probe_theta, probe_beta)),
       opt_dev = dd(c(getME(fit, "theta"), fixef(fit))),
       singular = isSingular(fit))
  out
}
if (!only_frailty) {
  res <- list()
  
  # ---------------------------------------------------------------- 1. DHB 2015 smoking
  d <- read.delim(file.path(shared, "dhb2015", "smoking.tab"))
  vars <- c("pooleddv", "poolednei", "percentsmokers", "healthorgslobby", "tobaccolobby", "profess",
            "policynum", "year", "state")
  d <- d[complete.cases(d[, vars]), ]
  d$yr <- (d$year - 1990) / 10
  d$smk <- (d$percentsmokers - 25) / 10
  d$pol <- factor(d$policynum)
  f <- pooleddv ~ pol + poolednei + smk + healthorgslobby + tobaccolobby + profess + yr
  g0 <- glm(f, data = d, family = binomial)
  S <- list(n = nrow(d), events = sum(d$pooleddv))
  S$ri_laplace <- pack(glmer(update(f, . ~ . + (1 | state)), data = d, family = binomial, control = ctl),
                       0.7, unname(coef(g0)))
  S$ri_agq10 <- pack(glmer(update(f, . ~ . + (1 | state)), data = d, family = binomial, nAGQ = 10, control = ctl),
                     0.7, unname(coef(g0)))
  S$rs_laplace <- pack(glmer(update(f, . ~ . + (1 + poolednei | state)), data = d, family = binomial, control = ctl),
                       c(0.5, 0.3, 1.2), unname(coef(g0)))
  gp <- glm(f, data = d, family = binomial("probit"))
  S$ri_probit <- pack(glmer(update(f, . ~ . + (1 | state)), data = d, family = binomial("probit"), control = ctl),
                      0.4, unname(coef(gp)))
  gc <- glm(f, data = d, family = binomial("cloglog"))
  S$ri_cloglog <- pack(glmer(update(f, . ~ . + (1 | state)), data = d, family = binomial("cloglog"), control = ctl),
                       0.7, unname(coef(gc)))
  S$ri_cloglog_agq10 <- pack(glmer(update(f, . ~ . + (1 | state)), data = d, family = binomial("cloglog"),
                                   nAGQ = 10, control = ctl), 0.7, unname(coef(gc)))
  S$pooled_loglik <- as.numeric(logLik(g0))
  res$smoking <- S
  
  # ---------------------------------------------------------------- 2. SPID Government Operations
  panel <- build_spid_panel(shared, repo)
  G <- panel[panel$majortopic == "Government Operations", ]
  G$lt <- log(G$stop)
  fg <- event ~ share + lt
  g1 <- glm(fg, data = G, family = binomial)
  P <- list(n = nrow(G), events = sum(G$event), policies = length(unique(G$policy)), share_sum = sum(G$share))
  t0 <- proc.time()[["elapsed"]]
  P$ri_laplace <- pack(glmer(event ~ share + lt + (1 | policy), data = G, family = binomial, control = ctl),
                       0.8, unname(coef(g1)))
  P$ri_agq10 <- pack(glmer(event ~ share + lt + (1 | policy), data = G, family = binomial, nAGQ = 10, control = ctl),
                     0.8, unname(coef(g1)))
  P$rs_laplace <- pack(glmer(event ~ share + lt + (1 + share | policy), data = G, family = binomial, control = ctl),
                       c(0.8, -0.2, 0.5), unname(coef(g1)))
  P$seconds <- proc.time()[["elapsed"]] - t0
  P$pooled_loglik <- as.numeric(logLik(g1))
  res$spid_govops <- P
  
} else {
  res <- fromJSON(file.path(here, "reference.json"), simplifyVector = FALSE)
  panel <- build_spid_panel(shared, repo)
  G <- panel[panel$majortopic == "Government Operations", ]
}

# ---------------------------------------------------------------- 3. gamma frailty Cox
# SPID Government Operations, strata = policy, shared gamma frailty by state (Efron).
# survival chooses theta by a Brent search stopped at a relative change of its corrected
# likelihood ("I-likelihood", history$c.loglik) below 1e-5; the exact maximiser of that
# same criterion is found here with optimize() over fixed-theta fits (tol 1e-10), which is
# what the package computes. Fixed-theta fits use tight Newton control.
fctl <- coxph.control(eps = 1e-10, toler.inf = 1e-11, iter.max = 200, outer.max = 100)
ffit <- function(th) coxph(Surv(start, stop, event) ~ share + strata(policy) +
                             frailty(state, distribution = "gamma", theta = th), data = G, control = fctl)
fpack <- function(f) list(coef = unname(coef(f)), var = unname(f$var[1, 1]), loglik = f$loglik,
                          c_loglik = f$history[[1]]$c.loglik, theta = f$history[[1]]$theta,
                          frail = f$frail, levels = sort(unique(G$state)))
if (length(only) == 0 || "frailty" %in% only) {
Fr <- list()
fdef <- coxph(Surv(start, stop, event) ~ share + strata(policy) + frailty(state, distribution = "gamma"), data = G)
Fr$survival_default <- fpack(fdef)
Fr$fixed_0.5 <- fpack(ffit(0.5))
opt <- optimize(function(s) ffit(s^2)$history[[1]]$c.loglik, c(0.01, 2), maximum = TRUE, tol = 1e-10)
Fr$optimum <- fpack(ffit(opt$maximum^2))
res$frailty_govops <- Fr
}

# ---------------------------------------------------------------- 4. crossed random effects
# SPID Government Operations: (1 + share | policy) + (1 | state), Laplace.
if (length(only) == 0 || "crossed" %in% only) {
  G$lt <- log(G$stop)
  fc0 <- glmer(event ~ share + lt + (1 + share | policy) + (1 | state), data = G, family = binomial,
               control = ctl)
  fc <- refit(fc0)
  dd <- update(fc, devFunOnly = TRUE)
  g1 <- glm(event ~ share + lt, data = G, family = binomial)
  re <- ranef(fc, condVar = TRUE)
  th <- getME(fc, "theta")
  res$crossed_govops <- list(
    theta_policy = unname(th[grep("^policy", names(th))]), theta_state = unname(th[grep("^state", names(th))]),
    beta = unname(fixef(fc)), loglik = as.numeric(logLik(fc)), aic = AIC(fc), bic = BIC(fc),
    se = unname(sqrt(diag(as.matrix(vcov(fc))))),
    ranef_state = unname(re$state[, 1]), levels_state = rownames(re$state),
    condvar_state = unname(attr(re$state, "postVar")[1, 1, ]),
    ranef_policy = unname(as.matrix(re$policy)), levels_policy = rownames(re$policy),
    condvar_policy = unname(t(apply(attr(re$policy, "postVar"), 3, diag))),
    theta_names = names(th), probe_pars = c(th * 0.9, unname(coef(g1))),
    probe_dev = dd(c(th * 0.9, unname(coef(g1)))), opt_dev = dd(c(th, fixef(fc))))
}

res$versions <- list(R = R.version.string, lme4 = as.character(packageVersion("lme4")))
write_json(res, file.path(here, "reference.json"), digits = NA, auto_unbox = TRUE, pretty = TRUE,
           matrix = "rowmajor")
cat("wrote", file.path(here, "reference.json"), "\n")
