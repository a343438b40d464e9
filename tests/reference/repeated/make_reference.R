# Reference values for repeated events (tests/test_repeated.py): spells, adoptions,
# repeals and re-adoptions from the raw CSP file, and Andersen-Gill / PWP Cox fits.
#
# Run from the repository root:
#   Rscript tests/reference/repeated/make_reference.R
# Writes tests/reference/repeated/reference.json (full precision). Tests read that file
# and never call R. Built with R 4.x and survival 3.x.
#
# Data (read from ../shared/data, never copied into the repo): CSP v1 (csp/csp.rda),
# long state-year format. Policies: regulation_motorcycle_helmets and
# labor_minwage_abovefed (0/1, 1 = in force), rows with a missing value dropped.
#
# The panel is built here row by row from the observed years, independently of the
# Python spell builder: the row of year t (every observed year after a pair's first)
# has status = value in t - 1, event = 1 if value(t) != value(t - 1); it is at risk of
# adoption if status = 0, of repeal if status = 1. enum = number of the event at risk:
# adoption risk: (runs of 1 up to t - 1) + 1; repeal risk: runs of 1 up to t - 1 (so a
# state in force in its first observed year is at risk of repeal 1, then adoption 2).
# Total time: start = t - (policy's first observed year + 1); gap time: start =
# t - (first year of the run holding t - 1) - 1; stop = start + 1.
# Covariates: share of the state's queen-contiguity neighbours (datasets/
# us_state_borders.csv, DC included) with the policy in force in t - 1 (nb_in_force)
# and not in force in t - 1 after an earlier in-force year (nb_repealed); neighbours
# without an observation in t - 1 count 0; AK and HI (no neighbours) get 0.
#
# Fits (ties = "efron", cluster(unit), coxph.control(eps = 1e-12)):
#   ag        adoption risk, total time
#   pwp_total adoption risk, total time, strata(enum)
#   pwp_gap   adoption risk, gap time,   strata(enum)
#   repeal    repeal risk,   gap time,   strata(enum)
# and a logit glm on the AG rows with sandwich::vcovCL(cluster = ~unit) (HC0, G/(G-1));
# pooled over both policies: AG with strata(policy), PWP gap with strata(policy, enum).
# Counts over all CSP 0/1 variables: how many switch off and on again (re-adoption:
# a 0 -> 1 change after a 1 -> 0 change, over the observed years in order; variables
# with repeated state-years are left out).

suppressPackageStartupMessages({
  library(survival)
  library(sandwich)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = FALSE)
here <- dirname(normalizePath(sub("^--file=", "", args[grep("^--file=", args)])))
root <- normalizePath(file.path(here, "..", "..", ".."))
shared <- normalizePath(file.path(root, "..", "shared", "data"))
ctrl <- coxph.control(eps = 1e-12, iter.max = 100, toler.chol = 1e-13)
env <- new.env()
load(file.path(shared, "csp", "csp.rda"), envir = env)
csp <- get(ls(env)[1], envir = env)
csp <- as.data.frame(csp[, c("year", "st", "variable", "value")])
csp$st <- as.character(csp$st)
csp$variable <- as.character(csp$variable)
out <- list()

# ---------------------------------------------------------------------------
# 1. all 0/1 variables: which switch off and on again
csp <- csp[!is.na(csp$value), ]
is01 <- tapply(csp$value, csp$variable, function(v) all(v %in% c(0, 1)))
bin <- csp[csp$variable %in% names(is01)[is01], ]
dupvar <- unique(bin$variable[duplicated(bin[, c("variable", "st", "year")])])
bin <- bin[!bin$variable %in% dupvar, ]
bin <- bin[order(bin$variable, bin$st, bin$year), ]
key <- paste(bin$variable, bin$st)
same <- c(FALSE, key[-1] == key[-length(key)])
prev <- c(NA, bin$value[-nrow(bin)])
on <- same & prev == 0 & bin$value == 1
off <- same & prev == 1 & bin$value == 0
offs_before <- ave(as.numeric(off), key, FUN = cumsum) - off
readopt <- on & offs_before > 0
out$csp01 <- list(
  n_binary_variables = length(unique(bin$variable)) + length(dupvar),
  duplicated_variables = dupvar,
  switch_off_on = sort(unique(bin$variable[readopt])),
  n_switch_off_on = length(unique(bin$variable[readopt])),
  n_readoptions = sum(readopt), n_adoptions = sum(on), n_repeals = sum(off)
)

# ---------------------------------------------------------------------------
# 2. the two policies: counts and panels
borders <- read.csv(file.path(root, "datasets", "us_state_borders.csv"), stringsAsFactors = FALSE)
nb <- split(c(borders$state2, borders$state1), c(borders$state1, borders$state2))

policies <- c("labor_minwage_abovefed", "regulation_motorcycle_helmets")
panel_of <- function(pol) {
  d <- bin[bin$variable == pol, ]
  d <- d[order(d$st, d$year), ]
  stopifnot(!any(duplicated(d[, c("st", "year")])))
  status <- function(s, y) {  # value of state s in year y (NA if unobserved)
    v <- d$value[d$st == s & d$year == y]
    if (length(v)) v else NA
  }
  ever_on <- function(s, y) any(d$value[d$st == s & d$year <= y] == 1)
  t0 <- min(d$year) + 1
  rows <- list()
  counts <- list(pairs = 0, spells = 0, adoptions = 0, repeals = 0, readoptions = 0,
                 in_force_at_start = 0, switch_off_on = 0)
  for (s in sort(unique(d$st))) {
    x <- d[d$st == s, ]
    stopifnot(all(diff(x$year) == 1))
    r <- rle(x$value)
    counts$pairs <- counts$pairs + 1
    counts$spells <- counts$spells + length(r$lengths)
    ch <- diff(x$value)
    counts$adoptions <- counts$adoptions + sum(ch == 1)
    counts$repeals <- counts$repeals + sum(ch == -1)
    counts$in_force_at_start <- counts$in_force_at_start + (x$value[1] == 1)
    ra <- sum(r$values == 1 & seq_along(r$values) >= 3)  # a 1-run after an earlier 1-run
    counts$readoptions <- counts$readoptions + ra
    counts$switch_off_on <- counts$switch_off_on + (ra > 0)
    run_start <- rep(x$year[cumsum(c(1, head(r$lengths, -1)))], r$lengths)
    on_runs <- cumsum(c(x$value[1] == 1, diff(x$value) == 1))  # runs of 1 up to each year
    n <- nrow(x)
    if (n < 2) next
    i <- 2:n
    st <- x$value[i - 1]
    yrs <- x$year[i]
    ns <- nb[[s]]
    if (is.null(ns)) ns <- character(0)
    nif <- nrp <- numeric(length(i))
    for (k in seq_along(i)) {
      if (length(ns)) {
        v <- vapply(ns, status, numeric(1), y = yrs[k] - 1)
        e <- vapply(ns, ever_on, logical(1), y = yrs[k] - 1)
        nif[k] <- sum(v == 1, na.rm = TRUE) / length(ns)
        nrp[k] <- sum(v == 0 & e, na.rm = TRUE) / length(ns)
      }
    }
    rows[[s]] <- data.frame(
      policy = pol, unit = s, year = yrs, status = st,
      event = as.integer(x$value[i] != x$value[i - 1]),
      enum = ifelse(st == 0, on_runs[i - 1] + 1, on_runs[i - 1]),
      total_start = yrs - t0, gap_start = yrs - run_start[i - 1] - 1,
      nb_in_force = nif, nb_repealed = nrp, stringsAsFactors = FALSE)
  }
  list(panel = do.call(rbind, rows), counts = counts)
}

fit_summary <- function(fit) {
  list(coef = unname(coef(fit)), names = names(coef(fit)), se = unname(sqrt(diag(fit$var))),
       naive_se = unname(sqrt(diag(fit$naive.var))), var = unname(fit$var),
       loglik = unname(fit$loglik), n = fit$n, nevent = fit$nevent)
}

for (pol in policies) {
  pp <- panel_of(pol)
  p <- pp$panel
  res <- list(counts = pp$counts)
  ad <- p[p$status == 0, ]
  rp <- p[p$status == 1, ]
  res$rows <- list(adoption = nrow(ad), repeal = nrow(rp), adoption_events = sum(ad$event),
                   repeal_events = sum(rp$event), max_enum_adoption = max(ad$enum),
                   max_enum_repeal = max(rp$enum))
  res$exposure_sums <- list(nb_in_force = sum(p$nb_in_force), nb_repealed = sum(p$nb_repealed))
  f <- list()
  f$ag <- coxph(Surv(total_start, total_start + 1, event) ~ nb_in_force + nb_repealed + cluster(unit),
                data = ad, ties = "efron", control = ctrl)
  f$pwp_total <- coxph(Surv(total_start, total_start + 1, event) ~ nb_in_force + nb_repealed + strata(enum) +
                         cluster(unit), data = ad, ties = "efron", control = ctrl)
  f$pwp_gap <- coxph(Surv(gap_start, gap_start + 1, event) ~ nb_in_force + nb_repealed + strata(enum) +
                       cluster(unit), data = ad, ties = "efron", control = ctrl)
  f$repeal <- coxph(Surv(gap_start, gap_start + 1, event) ~ nb_in_force + nb_repealed + strata(enum) +
                      cluster(unit), data = rp, ties = "efron", control = ctrl)
  res$fits <- lapply(f, fit_summary)
  g <- glm(event ~ nb_in_force + nb_repealed, family = binomial, data = ad,
           control = glm.control(epsilon = 1e-14, maxit = 100))
  V <- vcovCL(g, cluster = ~unit, type = "HC0")
  res$logit <- list(coef = unname(coef(g)), names = names(coef(g)), se = unname(sqrt(diag(V))),
                    loglik = as.numeric(logLik(g)), n = nrow(ad))
  out$policies[[pol]] <- res
}

# pooled over the two policies: a state's rows of both policies form one cluster
ad_all <- do.call(rbind, lapply(policies, function(pol) {
  p <- panel_of(pol)$panel
  p[p$status == 0, ]
}))
out$pooled$ag <- fit_summary(coxph(Surv(total_start, total_start + 1, event) ~ nb_in_force + nb_repealed +
                                     strata(policy) + cluster(unit), data = ad_all, ties = "efron", control = ctrl))
out$pooled$pwp_gap <- fit_summary(coxph(Surv(gap_start, gap_start + 1, event) ~ nb_in_force + nb_repealed +
                                          strata(policy, enum) + cluster(unit), data = ad_all, ties = "efron",
                                        control = ctrl))

write_json(out, file.path(here, "reference.json"), digits = NA, auto_unbox = TRUE, pretty = TRUE)
cat("wrote", file.path(here, "reference.json"), "\n")
