# Reference values for diffusion_stats' EventLogit, DyadicLogit and case-control
# corrections: R glm + sandwich (vcovHC, vcovCL one- and two-way) and the dyadic-robust
# estimator written out in R.
#
# Run from the repository root:  Rscript tests/reference/logit/make_reference.R
# Writes tests/reference/logit/reference.json (full precision). Needs ../shared/data.
#
# glm is run with epsilon = 1e-14 (R's default 1e-8 stops a few digits short of the
# optimum, too loose for rtol 1e-6 comparisons of estimates).
suppressPackageStartupMessages({library(sandwich); library(jsonlite); library(splines)})
data_dir <- file.path("..", "shared", "data")
out_file <- file.path("tests", "reference", "logit", "reference.json")
ctl <- glm.control(epsilon = 1e-14, maxit = 100)

pack <- function(fit, extra = list()) {
  V <- list(
    classical = vcov(fit),
    HC0 = vcovHC(fit, type = "HC0"),
    HC1 = vcovHC(fit, type = "HC1"))
  c(list(coef = unname(coef(fit)), names = names(coef(fit)),
         loglik = as.numeric(logLik(fit)), deviance = deviance(fit), nobs = nobs(fit),
         converged = fit$converged),
    lapply(V, function(v) unname(sqrt(diag(v)))), extra)
}
se <- function(v) unname(sqrt(diag(v)))

# ---------------------------------------------------------------- 1. Berry & Berry lottery
lot <- read.delim(file.path(data_dir, "dhb2015", "lottery.tab"))
vars <- c("adopt", "elect1", "elect2", "income1", "fiscal", "party", "religion", "neighbor", "state", "year")
lot <- lot[complete.cases(lot[, vars]), ]
lot$t <- lot$year - 63
f <- adopt ~ elect1 + elect2 + income1 + fiscal + party + religion + neighbor
res <- list(lottery_n = nrow(lot), lottery_events = sum(lot$adopt))
for (link in c("logit", "probit", "cloglog")) {
  fit <- glm(f, data = lot, family = binomial(link = link), control = ctl)
  res[[paste0("lottery_", link)]] <- pack(fit, list(
    CL_state = se(vcovCL(fit, cluster = ~state)),
    CL_state_HC1 = se(vcovCL(fit, cluster = ~state, type = "HC1")),
    CL_state_year = se(vcovCL(fit, cluster = ~state + year)),
    CL_state_year_HC1 = se(vcovCL(fit, cluster = ~state + year, type = "HC1")),
    CL_state_year_cov = as.vector(vcovCL(fit, cluster = ~state + year))))
}
# duration dependence
fc <- glm(update(f, . ~ . + t + I(t^2) + I(t^3)), data = lot, family = binomial, control = ctl)
res$lottery_cubic <- pack(fc, list(CL_state = se(vcovCL(fc, cluster = ~state))))
fcc <- glm(update(f, . ~ . + t + I(t^2) + I(t^3)), data = lot, family = binomial("cloglog"), control = ctl)
res$lottery_cubic_cloglog <- pack(fcc)
nsb <- ns(lot$t, df = 4)
fs <- glm(update(f, . ~ . + ns(t, df = 4)), data = lot, family = binomial, control = ctl)
res$lottery_spline <- pack(fs, list(knots = unname(attr(nsb, "knots")),
                                    boundary = unname(attr(nsb, "Boundary.knots"))))
res$ns_basis <- list(x = 1:23, knots = c(5, 10, 16), boundary = c(1, 23),
                     basis = as.vector(ns(1:23, knots = c(5, 10, 16), Boundary.knots = c(1, 23))))
# dummies: only years with at least one adoption (others are separated: infinite MLE)
ev_t <- sort(unique(lot$t[lot$adopt == 1]))
lot_d <- lot[lot$t %in% ev_t, ]
fd <- glm(update(f, . ~ . + factor(t)), data = lot_d, family = binomial, control = ctl)
res$lottery_dummies <- pack(fd, list(n = nrow(lot_d), t_values = ev_t))

# case-control: all events plus the non-events in every 4th row (a deterministic "sample")
tau <- mean(lot$adopt)
keep <- lot$adopt == 1 | (seq_len(nrow(lot)) %% 4 == 0)
cc <- lot[keep, ]
ybar <- mean(cc$adopt)
fp <- glm(f, data = cc, family = binomial, control = ctl)
b <- coef(fp); b[1] <- b[1] - log(((1 - tau) / tau) * (ybar / (1 - ybar)))
res$cc_prior <- list(coef = unname(b), classical = se(vcov(fp)), CL_state = se(vcovCL(fp, cluster = ~state)),
                     tau = tau, ybar = ybar, n = nrow(cc))
cc$w <- ifelse(cc$adopt == 1, tau / ybar, (1 - tau) / (1 - ybar))
fw <- suppressWarnings(glm(f, data = cc, family = binomial, weights = w, control = ctl))
res$cc_weight <- list(coef = unname(coef(fw)), HC0 = se(vcovHC(fw, type = "HC0")),
                      CL_state = se(vcovCL(fw, cluster = ~state)))

# ---------------------------------------------------------------- 2. SPID directed dyads
load(file.path(data_dir, "spid", "policies.RData"))
st <- read.delim(file.path(data_dir, "dhb2015", "mkdata-network02-statehood.tab"))
net <- read.csv(file.path(data_dir, "dhb2015", "dhb2015apsr-networks.csv"))
abbr <- setNames(st$statenam, st$state)
net$unit <- abbr[net$state_01]; net$partner <- abbr[net$state_02]
m <- policies_metadata
sel <- m[m$first_year >= 1960 & m$last_year <= 2009 & m$adopt_count >= 15 & m$adopt_count <= 45, ]
sel <- sel[order(sel$policy), ][1:6, ]
states <- sort(unique(policies$statenam))
rows <- list()
for (k in seq_len(nrow(sel))) {
  p <- sel$policy[k]; a <- policies[policies$policy == p, ]
  ay <- setNames(a$adopt_year, a$statenam)
  for (s in states) {
    yi <- if (s %in% names(ay)) ay[[s]] else Inf
    if (yi < sel$first_year[k]) next
    yrs <- sel$first_year[k]:min(yi, sel$last_year[k])
    for (j in setdiff(states, s)) {
      yj <- if (j %in% names(ay)) ay[[j]] else Inf
      rows[[length(rows) + 1]] <- data.frame(policy = p, unit = s, partner = j, year = yrs,
        event = as.integer(yrs == yi), partner_adopted = as.integer(yj < yrs),
        years_since_partner_adopted = ifelse(yj < yrs, yrs - yj, NA))
    }
  }
}
dy <- do.call(rbind, rows)
dy <- merge(dy, net[, c("unit", "partner", "year", "src_35_300")], by = c("unit", "partner", "year"), all.x = TRUE)
names(dy)[names(dy) == "src_35_300"] <- "tie"
sh <- setNames(st$yrstatehd, st$statenam)
dy$unit_yrstatehd <- sh[dy$unit]; dy$partner_yrstatehd <- sh[dy$partner]
dy <- dy[order(dy$policy, dy$unit, dy$year, dy$partner), ]
res$dyad_policies <- sel$policy
res$dyad_counts <- list(n = nrow(dy), events_dyad = sum(dy$event), partner_adopted = sum(dy$partner_adopted),
                        tie = sum(dy$tie, na.rm = TRUE), tie_missing = sum(is.na(dy$tie)),
                        monadic_rows = nrow(unique(dy[, c("policy", "unit", "year")])),
                        monadic_events = sum(dy$event) / 49,
                        sum_years_since = sum(dy$years_since_partner_adopted, na.rm = TRUE))
dy$statehood_c <- (dy$unit_yrstatehd - 1850) / 100
fdy <- glm(event ~ partner_adopted * tie + statehood_c, data = dy, family = binomial, control = ctl)
ef <- estfun(fdy); B <- bread(fdy); n <- nrow(ef)
# dyadic meat written out row-wise: sum_i s_i (S_a(i) + S_b(i) - S_{ab}(i))', where a, b are
# row i's unit and partner, S_u sums the scores of rows involving u, S_ab those of the
# unordered pair {a, b} (so each pair of rows sharing at least one unit counts once)
u <- factor(dy$unit, levels = states); v <- factor(dy$partner, levels = states)
Su <- rowsum(ef, u, reorder = TRUE)
Sv <- rowsum(ef, v, reorder = TRUE)
Sall <- matrix(0, length(states), ncol(ef), dimnames = list(states, NULL))
Sall[rownames(Su), ] <- Sall[rownames(Su), ] + Su
Sall[rownames(Sv), ] <- Sall[rownames(Sv), ] + Sv
pairkey <- ifelse(as.character(u) < as.character(v), paste(u, v), paste(v, u))
Sp <- rowsum(ef, pairkey)
near <- Sall[as.character(u), ] + Sall[as.character(v), ] - Sp[pairkey, ]
meat_dy <- crossprod(ef, near)
V_dy <- B %*% meat_dy %*% B / n^2
res$dyad_logit <- pack(fdy, list(
  CL_unit = se(vcovCL(fdy, cluster = ~unit)),
  CL_unit_partner = se(vcovCL(fdy, cluster = ~unit + partner)),
  CL_unit_partner_HC1 = se(vcovCL(fdy, cluster = ~unit + partner, type = "HC1")),
  dyadic = se(V_dy), dyadic_cov = as.vector(V_dy),
  dyadic_min_eigen = min(eigen(V_dy, symmetric = TRUE)$values)))
fdp <- glm(event ~ partner_adopted + tie, data = dy, family = binomial("probit"), control = ctl)
efp <- estfun(fdp); Bp <- bread(fdp)
Sallp <- matrix(0, length(states), ncol(efp), dimnames = list(states, NULL))
Sallp[rownames(rowsum(efp, u)), ] <- Sallp[rownames(rowsum(efp, u)), ] + rowsum(efp, u)
Sallp[rownames(rowsum(efp, v)), ] <- Sallp[rownames(rowsum(efp, v)), ] + rowsum(efp, v)
nearp <- Sallp[as.character(u), ] + Sallp[as.character(v), ] - rowsum(efp, pairkey)[pairkey, ]
res$dyad_probit <- pack(fdp, list(dyadic = se(Bp %*% crossprod(efp, nearp) %*% Bp / n^2)))

# brute force on a small design (first policy, its first four years): meat = S' C S with
# C_ij = 1 if rows i and j share a unit (as unit or partner), built from an incidence matrix
d1 <- dy$policy == sel$policy[1] & dy$year < sel$first_year[1] + 4
f1 <- glm(event ~ partner_adopted + tie, data = dy[d1, ], family = binomial, control = ctl)
e1 <- estfun(f1)
Z <- (outer(as.character(dy$unit[d1]), states, "==") | outer(as.character(dy$partner[d1]), states, "==")) * 1
C <- (tcrossprod(Z) > 0) * 1
Vb <- bread(f1) %*% (t(e1) %*% C %*% e1) %*% bread(f1) / nrow(e1)^2
res$dyad_brute <- list(coef = unname(coef(f1)), dyadic = se(Vb), dyadic_cov = as.vector(Vb), n = nrow(e1),
                       events = sum(dy$event[d1]))
rm(C, Z)

write_json(res, out_file, digits = NA, auto_unbox = TRUE, pretty = TRUE)
cat("wrote", out_file, "\n")
