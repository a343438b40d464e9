# Reference values for tests/test_mechanisms_spid.py, computed independently of
# diffusion_stats: the SPID risk set, the border and inferred-network (learning)
# exposures, their leads, and the Cox / logit fits are all built here from the raw files.
#
# Run from the repository root:
#   Rscript tests/reference/mechanisms/make_reference.R ../shared/data
# Writes tests/reference/mechanisms/spid_horse_race.json (full precision).
#
# Design (documented in the test):
# - SPID v1.0 policies with first_year >= 1961 and last_year <= 2009 (the years the
#   Desmarais, Harden & Boehmke (2015) inferred network covers at lag 1): 398 policies.
# - Risk set: each state from the policy's first_year to last_year, until it adopts;
#   states that adopted before first_year are excluded. start = year - first_year.
# - border: share of bordering states (datasets/us_state_borders.csv, queen: corner-only
#   pairs included) that adopted by t - 1; AK and HI (no borders) get 0.
# - learning_network: share of the state's inferred sources in year t - 1
#   (dhb2015apsr-networks.csv, src_10_400 == 1; state_02 is a source of state_01, the
#   reading documented in diffusion_stats.mechanisms.network_weights)
#   that adopted by t - 1; no sources -> 0.
# - leads: the same shares counting only adoptions in year t + 1.
suppressPackageStartupMessages({library(survival); library(sandwich); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
shared <- if (length(args)) args[1] else "../shared/data"
out_dir <- "tests/reference/mechanisms"

load(file.path(shared, "spid", "policies.RData"))
states <- read.csv("datasets/us_states.csv", colClasses = "character")
states <- states[states$postal != "DC", ]
lab <- sort(states$postal)
n <- length(lab)
policies$unit <- states$postal[match(policies$statenam, states$name)]
stopifnot(!anyNA(policies$unit))

bord <- read.csv("datasets/us_state_borders.csv", colClasses = "character")
B <- matrix(0, n, n, dimnames = list(lab, lab))
for (k in seq_len(nrow(bord))) {
  if (bord$state1[k] %in% lab && bord$state2[k] %in% lab) {
    B[bord$state1[k], bord$state2[k]] <- 1; B[bord$state2[k], bord$state1[k]] <- 1
  }
}
degB <- rowSums(B)

net <- read.csv(file.path(shared, "dhb2015", "dhb2015apsr-networks.csv"))
net <- net[!is.na(net$src_10_400) & net$src_10_400 > 0 & net$state_01 != net$state_02, ]
N <- list()
for (y in 1960:2009) {
  M <- matrix(0, n, n, dimnames = list(lab, lab))
  e <- net[net$year == y, ]
  M[cbind(e$state_01, e$state_02)] <- 1  # row = target (state_01), column = source (state_02)
  N[[as.character(y)]] <- M
}
Nat <- function(y) N[[as.character(min(max(y, 1960), 2009))]]

meta <- policies_metadata[policies_metadata$first_year >= 1961 & policies_metadata$last_year <= 2009, ]
meta <- meta[order(meta$policy), ]
rows <- list()
for (i in seq_len(nrow(meta))) {
  p <- meta$policy[i]; f <- meta$first_year[i]; l <- meta$last_year[i]
  ad <- policies[policies$policy == p, ]
  A <- setNames(rep(Inf, n), lab)
  A[ad$unit] <- ad$adopt_year
  yrs <- f:l
  for (t in yrs) {
    risk <- lab[A >= t]  # not yet adopted before t (adopters before f never at risk)
    if (!length(risk)) next
    a <- as.numeric(A <= t - 1)
    a1 <- as.numeric(A == t + 1)
    Nt <- Nat(t - 1)
    degN <- rowSums(Nt)
    bs <- ifelse(degB > 0, (B %*% a)[, 1] / pmax(degB, 1), 0)
    ns <- ifelse(degN > 0, (Nt %*% a)[, 1] / pmax(degN, 1), 0)
    bl <- ifelse(degB > 0, (B %*% a1)[, 1] / pmax(degB, 1), 0)
    nl <- ifelse(degN > 0, (Nt %*% a1)[, 1] / pmax(degN, 1), 0)
    rows[[length(rows) + 1]] <- data.frame(policy = p, unit = risk, year = t, start = t - f, stop = t - f + 1,
                                           event = as.integer(A[risk] == t), border = bs[risk],
                                           learning_network = ns[risk], border_lead = bl[risk],
                                           learning_network_lead = nl[risk])
  }
}
panel <- do.call(rbind, rows)
cat("rows", nrow(panel), "events", sum(panel$event), "\n")

# horse race: Cox, strata = policy, efron, clustered by state
cx <- coxph(Surv(start, stop, event) ~ border + learning_network + strata(policy), data = panel,
            ties = "efron", cluster = unit)
cx_nob <- coxph(Surv(start, stop, event) ~ learning_network + strata(policy), data = panel, ties = "efron",
                cluster = unit)
cx_non <- coxph(Surv(start, stop, event) ~ border + strata(policy), data = panel, ties = "efron", cluster = unit)
b <- coef(cx); V <- vcov(cx)
wald_joint <- as.numeric(t(b) %*% solve(V) %*% b)
d <- b[1] - b[2]; vd <- V[1, 1] + V[2, 2] - 2 * V[1, 2]
# Galton: pooled logit without and with year fixed effects, clustered by state (vcovCL HC0 = G/(G-1))
lg0 <- glm(event ~ border + learning_network, family = binomial, data = panel)
lg1 <- glm(event ~ border + learning_network + factor(year), family = binomial, data = panel)
V0 <- vcovCL(lg0, cluster = ~unit); V1 <- vcovCL(lg1, cluster = ~unit)
# placebo: leads added to the Cox model
pl <- coxph(Surv(start, stop, event) ~ border + learning_network + border_lead + learning_network_lead +
              strata(policy), data = panel, ties = "efron", cluster = unit)
lead <- c("border_lead", "learning_network_lead")
bl <- coef(pl)[lead]; Vl <- vcov(pl)[lead, lead]

res <- list(
  n_rows = nrow(panel), n_events = sum(panel$event), n_policies = nrow(meta),
  exposure_sums = list(border = sum(panel$border), learning_network = sum(panel$learning_network),
                       border_lead = sum(panel$border_lead),
                       learning_network_lead = sum(panel$learning_network_lead)),
  cox = list(coef = as.list(coef(cx)), se = as.list(sqrt(diag(V))), naive_se = as.list(sqrt(diag(cx$naive.var))),
             loglik = cx$loglik[2], loglik_without_border = cx_nob$loglik[2],
             loglik_without_learning_network = cx_non$loglik[2], wald_joint = wald_joint,
             wald_equal = as.numeric(d^2 / vd)),
  logit = list(coef = as.list(coef(lg0)), se = as.list(sqrt(diag(V0))),
               coef_fe = as.list(coef(lg1)[c("border", "learning_network")]),
               se_fe = as.list(sqrt(diag(V1))[c("border", "learning_network")])),
  placebo = list(coef = as.list(coef(pl)), se = as.list(sqrt(diag(vcov(pl)))),
                 wald_leads = as.numeric(t(bl) %*% solve(Vl) %*% bl))
)
write_json(res, file.path(out_dir, "spid_horse_race.json"), digits = NA, auto_unbox = TRUE, pretty = TRUE)
cat("written\n")
