# Reference values for diffusion_stats' predictions and marginal effects (tests/test_effects.py).
#
# Run from anywhere:  Rscript tests/reference/effects/make_reference.R
# Writes tests/reference/effects/reference.json (full precision). Tests never call R.
#
# Everything is written out in R, independently of the package: predictions with
# predict.glm / predict.coxph / survfit, average marginal effects as explicit functions
# of the coefficients, and delta-method standard errors sqrt(J V J') with the Jacobian J
# from numDeriv::jacobian (Richardson extrapolation) and V the clustered variance
# (sandwich::vcovCL, default type HC0 with the G/(G-1) adjustment; coxph's robust
# variance with cluster()).
#
# Data (read from ../shared/data, never copied):
#   * Berry & Berry lottery risk set, dhb2015/lottery.tab, complete cases in the logit
#     variables (as tests/reference/logit), t = year - 63;
#   * a directed-dyad version of it: within each year, every ordered pair of two
#     different states at risk, with the partner's fiscal health as a dyadic covariate;
#   * the counting-process lottery risk set of tests/reference/cox (start = year - 64,
#     stop = start + 1), complete cases in fiscal, religion, neighbor.

suppressPackageStartupMessages({
  library(survival); library(sandwich); library(numDeriv); library(jsonlite)
})
args <- commandArgs(trailingOnly = FALSE)
here <- dirname(normalizePath(sub("^--file=", "", args[grep("^--file=", args)])))
shared <- normalizePath(file.path(here, "..", "..", "..", "..", "shared", "data"))
ctl <- glm.control(epsilon = 1e-14, maxit = 100)
out <- list()
dse <- function(J, V) sqrt(rowSums((J %*% V) * J))

lot <- read.delim(file.path(shared, "dhb2015", "lottery.tab"))
vars <- c("adopt", "elect1", "elect2", "income1", "fiscal", "party", "religion", "neighbor", "state", "year")
lot <- lot[complete.cases(lot[, vars]), ]
rownames(lot) <- NULL
lot$t <- lot$year - 63
lot$g <- factor(ifelse(lot$statenum %% 2 == 1, "a", "b"))
nd_rows <- c(1, 2, 3, 50, 100, 400)  # 1-based rows used as newdata
out$newdata_rows <- nd_rows - 1
q <- unname(quantile(lot$fiscal, c(0.1, 0.9)))
out$fiscal_p10_p90 <- q

# ------------------------------------------------------------------ 1. binary GLMs
f <- adopt ~ elect1 + elect2 + income1 + fiscal + party + religion + neighbor
for (link in c("logit", "cloglog")) {
  fit <- glm(f, data = lot, family = binomial(link = link), control = ctl)
  fam <- binomial(link = link)
  V <- vcovCL(fit, cluster = ~state)
  X <- model.matrix(fit)
  b <- coef(fit)
  Xn <- X[nd_rows, , drop = FALSE]
  pl <- predict(fit, newdata = lot[nd_rows, ], type = "link")
  pr <- predict(fit, newdata = lot[nd_rows, ], type = "response")
  Jr <- jacobian(function(bb) fam$linkinv(drop(Xn %*% bb)), b)
  # AME (dy/dx) of fiscal and neighbor: mean over rows of b_k * f(eta)
  ame <- function(bb, k) mean(fam$mu.eta(drop(X %*% bb)) * bb[k])
  # contrast: one more adopting neighbour (neighbor + 1)
  plus1 <- function(bb) {
    X1 <- X; X1[, "neighbor"] <- X1[, "neighbor"] + 1
    mean(fam$linkinv(drop(X1 %*% bb)) - fam$linkinv(drop(X %*% bb)))
  }
  # contrast: fiscal at its 10th vs 90th percentile in every row
  pct <- function(bb) {
    X0 <- X; X1 <- X; X0[, "fiscal"] <- q[1]; X1[, "fiscal"] <- q[2]
    mean(fam$linkinv(drop(X1 %*% bb)) - fam$linkinv(drop(X0 %*% bb)))
  }
  fns <- list(ame_fiscal = function(bb) ame(bb, "fiscal"), ame_neighbor = function(bb) ame(bb, "neighbor"),
              plus1_neighbor = plus1, fiscal_p10_p90 = pct)
  eff <- lapply(fns, function(fn) {
    J <- jacobian(fn, b)
    list(estimate = fn(b), std_error = dse(J, V))
  })
  out[[paste0("lottery_", link)]] <- c(list(
    coef = unname(b), names = colnames(X),
    pred_link = unname(pl), pred_link_se = unname(dse(Xn, V)),
    pred_response = unname(pr), pred_response_se = unname(dse(Jr, V))), eff)
}

# moderated channel: neighbor * income1, a categorical, cubic duration dependence
fm <- adopt ~ neighbor * income1 + fiscal + g + t + I(t^2) + I(t^3)
fit <- glm(fm, data = lot, family = binomial, control = ctl)
V <- vcovCL(fit, cluster = ~state)
X <- model.matrix(fit)
b <- coef(fit)
inc_at <- unname(quantile(lot$income1, c(0.1, 0.9)))
cond <- function(bb, v) {  # dP/dneighbor with income1 = v in every row
  Xv <- X; Xv[, "income1"] <- v; Xv[, "neighbor:income1"] <- Xv[, "neighbor"] * v
  eta <- drop(Xv %*% bb)
  mean(binomial()$mu.eta(eta) * (bb["neighbor"] + bb["neighbor:income1"] * v))
}
gcon <- function(bb) {  # level b vs a
  Xa <- X; Xb <- X; Xa[, "gb"] <- 0; Xb[, "gb"] <- 1
  mean(plogis(drop(Xb %*% bb)) - plogis(drop(Xa %*% bb)))
}
# newdata with only level "b" of g
ndb <- lot[lot$g == "b", ][1:3, ]
Xb <- model.matrix(delete.response(terms(fit)), ndb, xlev = fit$xlevels)
res_m <- list(coef = unname(b), names = colnames(X), income_at = inc_at,
              pred_b = unname(predict(fit, newdata = ndb, type = "response")),
              pred_b_se = unname(dse(jacobian(function(bb) plogis(drop(Xb %*% bb)), b), V)),
              pred_b_rows = as.integer(rownames(ndb)) - 1L)
for (i in 1:2) {
  fn <- function(bb) cond(bb, inc_at[i])
  res_m[[paste0("cond_neighbor_", i)]] <- list(estimate = fn(b), std_error = dse(jacobian(fn, b), V))
}
res_m$contrast_g <- list(estimate = gcon(b), std_error = dse(jacobian(gcon, b), V))
# joint test of every term containing neighbor
k <- c("neighbor", "neighbor:income1")
res_m$joint_neighbor <- drop(t(b[k]) %*% solve(V[k, k]) %*% b[k])
out$lottery_moderated <- res_m

# ------------------------------------------------------------------ 2. dyadic logit
dy <- merge(lot[, c("state", "year", "adopt", "fiscal", "neighbor")],
            lot[, c("state", "year", "fiscal")], by = "year", suffixes = c("", "_p"))
names(dy)[names(dy) == "state_p"] <- "partner"
names(dy)[names(dy) == "fiscal_p"] <- "partner_fiscal"
names(dy)[names(dy) == "state"] <- "unit"
dy <- dy[dy$unit != dy$partner, ]
dy <- dy[order(dy$year, dy$unit, dy$partner), ]
fd <- glm(adopt ~ fiscal + partner_fiscal + neighbor, data = dy, family = binomial, control = ctl)
Vd <- vcovCL(fd, cluster = ~unit + partner)
Xd <- model.matrix(fd)
bd <- coef(fd)
ame_pf <- function(bb) mean(binomial()$mu.eta(drop(Xd %*% bb)) * bb["partner_fiscal"])
plus1d <- function(bb) {
  X1 <- Xd; X1[, "neighbor"] <- X1[, "neighbor"] + 1
  mean(plogis(drop(X1 %*% bb)) - plogis(drop(Xd %*% bb)))
}
Xdn <- Xd[1:5, ]
out$dyad <- list(n = nrow(dy), coef = unname(bd), names = colnames(Xd),
                 pred_response = unname(fitted(fd)[1:5]),
                 pred_response_se = unname(dse(jacobian(function(bb) plogis(drop(Xdn %*% bb)), bd), Vd)),
                 ame_partner_fiscal = list(estimate = ame_pf(bd), std_error = dse(jacobian(ame_pf, bd), Vd)),
                 plus1_neighbor = list(estimate = plus1d(bd), std_error = dse(jacobian(plus1d, bd), Vd)))

# ------------------------------------------------------------------ 3. Cox
cp <- read.delim(file.path(shared, "dhb2015", "lottery.tab"))
cp$start <- cp$year - 64
cp$stop <- cp$start + 1
cp <- cp[complete.cases(cp[, c("fiscal", "religion", "neighbor")]), ]
rownames(cp) <- NULL
cp$g <- ifelse(cp$statenum %% 2 == 1, "odd", "even")
cctl <- coxph.control(eps = 1e-12, iter.max = 100, toler.chol = 1e-13)
horizon <- 15
times <- c(5, 10, 15, 20)
nd <- cp[c(1, 2, 60, 300), ]
out$cox_newdata_rows <- c(1, 2, 60, 300) - 1
for (spec in c("plain", "strata")) {
  fml <- if (spec == "plain") Surv(start, stop, adopt) ~ fiscal + religion + neighbor
         else Surv(start, stop, adopt) ~ fiscal + religion + neighbor + strata(g)
  fit <- coxph(fml, data = cp, cluster = state, ties = "efron", control = cctl)
  V <- fit$var
  b <- coef(fit)
  pl <- predict(fit, newdata = nd, type = "lp", se.fit = TRUE, reference = "sample")
  pr <- predict(fit, newdata = nd, type = "risk", se.fit = TRUE, reference = "sample")
  # the same fit evaluated at other coefficients (no iterations), for numDeriv
  at_beta <- function(bb) coxph(fml, data = cp, ties = "efron", init = bb,
                                control = coxph.control(iter.max = 0))
  surv_at <- function(bb) {
    sf <- survfit(at_beta(bb), newdata = nd, se.fit = FALSE)
    s <- summary(sf, times = times, extend = TRUE)
    as.vector(s$surv)  # times x rows (unstratified) or per stratum
  }
  sf <- survfit(fit, newdata = nd, se.fit = FALSE)
  s0 <- surv_at(b)
  # absolute risk: mean over rows of 1 - S(horizon | x) with neighbor + 1 vs as observed,
  # H0 at covariates 0 from basehaz(centered = FALSE) of the row's stratum
  Xc <- as.matrix(cp[, c("fiscal", "religion", "neighbor")])
  H0_at <- function(bb) {
    bh <- basehaz(at_beta(bb), centered = FALSE)
    if (spec == "plain") {
      h <- approx(bh$time, bh$hazard, xout = horizon, method = "constant", f = 0, rule = 2)$y
      rep(h, nrow(cp))
    } else {
      hs <- sapply(c("even", "odd"), function(l) {
        sb <- bh[bh$strata == l, ]
        approx(sb$time, sb$hazard, xout = horizon, method = "constant", f = 0, rule = 2)$y
      })
      unname(hs[cp$g])
    }
  }
  ar <- function(bb) {
    H <- H0_at(bb)
    X1 <- Xc; X1[, "neighbor"] <- X1[, "neighbor"] + 1
    mean(exp(-H * exp(drop(Xc %*% bb))) - exp(-H * exp(drop(X1 %*% bb))))
  }
  out[[paste0("cox_", spec)]] <- list(
    coef = unname(b), names = names(b), lp = unname(pl$fit), lp_se = unname(pl$se.fit),
    risk = unname(pr$fit), risk_se = unname(pr$se.fit), times = times, horizon = horizon,
    surv = s0, surv_se = unname(dse(jacobian(surv_at, b), V)),
    surv_survfit_full = as.vector(sf$surv),
    absrisk_plus1 = list(estimate = ar(b), std_error = dse(jacobian(ar, b), V)))
}

# ------------------------------------------------------------------ 4. spatial impacts
# The state cross-section of tests/reference/spatial (CSP 2010, 48 contiguous states,
# rook contiguity, row-standardised): spatialreg::impacts exact point values, and
# simulated SEs with R = 20000 draws (Monte Carlo error of an SD ~ 1/sqrt(2R) = 0.5%);
# the Durbin model's impacts too.
suppressPackageStartupMessages({library(spatialreg); library(spdep)})
load(file.path(shared, "csp", "csp.rda"))
vars_s <- c("taxes_inc", "pc_inc_ann", "nonwhite", "pop_annual")
cs <- csp[csp$variable %in% vars_s & csp$year == 2010, c("st", "variable", "value")]
rm(csp); invisible(gc())
cs <- reshape(as.data.frame(cs), idvar = "st", timevar = "variable", direction = "wide")
names(cs) <- sub("^value\\.", "", names(cs))
borders <- read.csv(file.path(here, "..", "..", "..", "datasets", "us_state_borders.csv"),
                    stringsAsFactors = FALSE)
borders <- borders[!as.logical(borders$corner_only) & borders$state1 != "DC" & borders$state2 != "DC", ]
states <- sort(unique(c(borders$state1, borders$state2)))
Bm <- matrix(0, 48, 48, dimnames = list(states, states))
Bm[cbind(borders$state1, borders$state2)] <- 1
Bm[cbind(borders$state2, borders$state1)] <- 1
lw <- mat2listw(Bm, row.names = states, style = "W")
cs <- cs[match(states, cs$st), ]
cs$lincome <- log(cs$pc_inc_ann); cs$lpop <- log(cs$pop_annual)
fml_s <- taxes_inc ~ lincome + nonwhite + lpop
for (durbin in c(FALSE, TRUE)) {
  f <- lagsarlm(fml_s, data = cs, listw = lw, method = "eigen", Durbin = durbin)
  set.seed(20261202)
  im <- impacts(f, listw = lw, R = 20000)
  sm <- summary(im, zstats = TRUE, short = TRUE)
  out[[if (durbin) "spatial_durbin" else "spatial_lag"]] <- list(
    coef = unname(coef(f)), names = attr(im, "bnames"),
    direct = im$res$direct, indirect = im$res$indirect, total = im$res$total,
    sim_se_direct = unname(sm$semat[, 1]), sim_se_indirect = unname(sm$semat[, 2]),
    sim_se_total = unname(sm$semat[, 3]), R = 20000)
}

out_file <- file.path(here, "reference.json")
write_json(out, out_file, digits = NA, auto_unbox = TRUE, pretty = TRUE)
cat("wrote", out_file, "\n")
