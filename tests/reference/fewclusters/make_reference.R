# Reference values for diffusion_stats' few-cluster inference (tests/test_small_sample.py):
#   1. binary GLM (logit, and cloglog with prior weights): clubSandwich::vcovCR(type = "CR2"/"CR3")
#      and coef_test(test = "Satterthwaite") on the Berry & Berry lottery risk set
#      (clustered by state) and a SPID subset (10 policies, clustered by state);
#   2. Cox: CR2/CR3 variance and Satterthwaite df written out here from
#      residuals.coxph(type = "dfbeta"), the coxph variance and each cluster's share of
#      the information computed by a loop over the risk sets;
#   3. the score (Kline-Santos) cluster bootstrap by full enumeration of the 2^G
#      Rademacher sign vectors (G <= 12) for a logit and a Cox model.
#
# Run from the repository root:  Rscript tests/reference/fewclusters/make_reference.R
# Writes tests/reference/fewclusters/reference.json (full precision). Needs ../shared/data.
suppressPackageStartupMessages({library(clubSandwich); library(survival); library(jsonlite)})
data_dir <- file.path("..", "shared", "data")
out_file <- file.path("tests", "reference", "fewclusters", "reference.json")
ctl <- glm.control(epsilon = 1e-14, maxit = 100)
cctl <- coxph.control(eps = 1e-12, toler.chol = 1e-15, iter.max = 100)
out <- list()

cr_pack <- function(fit, cluster) {
  res <- list(coef = unname(coef(fit)), names = names(coef(fit)), nobs = nobs(fit),
              n_clusters = length(unique(cluster)))
  for (type in c("CR2", "CR3")) {
    V <- vcovCR(fit, cluster = cluster, type = type)
    ct <- coef_test(fit, vcov = V, test = "Satterthwaite")
    res[[type]] <- list(cov = as.vector(as.matrix(V)), se = unname(sqrt(diag(as.matrix(V)))),
                        df = unname(ct$df_Satt), p = unname(ct$p_Satt))
  }
  res
}

# ---------------------------------------------------------------- 1a. Berry & Berry lottery
lot <- read.delim(file.path(data_dir, "dhb2015", "lottery.tab"))
vars <- c("adopt", "elect1", "elect2", "income1", "fiscal", "party", "religion", "neighbor", "state", "year")
lot <- lot[complete.cases(lot[, vars]), ]
f_lot <- adopt ~ elect1 + elect2 + income1 + fiscal + party + religion + neighbor
fit <- glm(f_lot, data = lot, family = binomial, control = ctl)
out$lottery_logit <- cr_pack(fit, lot$state)
# cloglog with prior weights w = 1 + row %% 3 (non-constant working model)
lot$w <- 1 + (seq_len(nrow(lot)) %% 3)
fitw <- suppressWarnings(glm(f_lot, data = lot, family = binomial("cloglog"), weights = w, control = ctl))
out$lottery_cloglog_w <- cr_pack(fitw, lot$state)

# ---------------------------------------------------------------- 1b. SPID subset (10 policies)
# the pooled SPID panel with border-share exposure (as tests/reference/cox)
source(file.path("tests", "reference", "spid_panel.R"))
panel <- spid_pooled_panel(data_dir, file.path("datasets", "us_state_borders.csv"))$panel
sub_pols <- sort(unique(panel$policy))[seq(1, 728, length.out = 10)]
sub <- panel[panel$policy %in% sub_pols, ]
sub$year2 <- sub$year - 1900
fit <- glm(event ~ share + year2, data = sub, family = binomial, control = ctl)
out$spid_logit <- cr_pack(fit, sub$state)
out$spid_logit$policies <- sub_pols
out$spid_logit$events <- sum(sub$event)

# ---------------------------------------------------------------- 2. Cox CR2 / CR3
# F_i = exp(eta_i) sum over risk sets k and Efron steps l of c h_kl (x_i - a_kl)(x_i - a_kl)',
# c = 1 - l/d for the set's d tied deaths and 1 for the others, h_kl = mean death weight /
# (weighted risk-set sum at step l), a_kl the weighted mean of x at step l.
row_information <- function(fit, X, start, stop, event, w, strata, ties) {
  eta <- drop(X %*% coef(fit))
  ez <- exp(eta - max(eta))
  p <- ncol(X)
  Fi <- array(0, c(nrow(X), p, p))
  key <- unique(data.frame(s = strata[event == 1], t = stop[event == 1]))
  for (q in seq_len(nrow(key))) {
    at <- which(strata == key$s[q] & start < key$t[q] & stop >= key$t[q])
    dead <- at[event[at] == 1 & stop[at] == key$t[q]]
    d <- length(dead)
    mw <- sum(w[dead]) / d
    steps <- if (ties == "efron") 0:(d - 1) else 0
    for (l in steps) {
      cc <- rep(1, length(at))
      if (ties == "efron") cc[at %in% dead] <- 1 - l / d
      rw <- cc * w[at] * ez[at]
      den <- sum(rw)
      a <- colSums(rw * X[at, , drop = FALSE]) / den
      h <- if (ties == "efron") mw / den else sum(w[dead]) / den
      Z <- sweep(X[at, , drop = FALSE], 2, a)
      for (u in seq_len(p)) for (v in seq_len(p))
        Fi[at, u, v] <- Fi[at, u, v] + cc * ez[at] * h * Z[, u] * Z[, v]
    }
  }
  Fi
}
cox_cr <- function(fit, X, start, stop, event, w, strata, cluster, ties) {
  M <- fit$naive.var
  Fi <- row_information(fit, X, start, stop, event, w, strata, ties)
  cl <- factor(cluster)
  G <- nlevels(cl)
  p <- ncol(X)
  Fg <- lapply(levels(cl), function(g) {
    i <- which(cl == g); matrix(colSums(w[i] * matrix(Fi[i, , ], length(i))), p, p)})
  stopifnot(isTRUE(all.equal(Reduce("+", Fg), solve(M), tolerance = 1e-8)))
  D <- rowsum(residuals(fit, type = "dfbeta"), cl)   # cluster sums of weighted dfbeta = M S_g
  L <- t(chol(M))
  res <- list(coef = unname(coef(fit)), names = names(coef(fit)), n_clusters = G,
              naive_se = unname(sqrt(diag(M))), CL_se = unname(sqrt(diag(fit$var))))
  for (type in c("CR2", "CR3")) {
    Bs <- lapply(Fg, function(F) {
      if (type == "CR3") return(solve(diag(p) - F %*% M))
      e <- eigen(diag(p) - t(L) %*% F %*% L, symmetric = TRUE)
      t(solve(L)) %*% e$vectors %*% diag(e$values^-0.5, p) %*% t(e$vectors) %*% t(L)
    })
    # M B_g S_g = M B_g M^{-1} D_g
    U <- t(sapply(seq_len(G), function(g) M %*% Bs[[g]] %*% solve(M, D[g, ])))
    if (p == 1) U <- t(U)
    V <- crossprod(U)
    df <- sapply(seq_len(p), function(i) {
      a <- M[, i]
      g2 <- sapply(seq_len(G), function(g) drop(t(a) %*% Bs[[g]] %*% Fg[[g]] %*% t(Bs[[g]]) %*% a))
      vv <- sapply(seq_len(G), function(g) Fg[[g]] %*% t(Bs[[g]]) %*% a)
      if (p == 1) vv <- matrix(vv, 1)
      P <- diag(g2, G) - t(vv) %*% M %*% vv
      sum(diag(P))^2 / sum(P^2)
    })
    res[[type]] <- list(cov = as.vector(V), se = sqrt(diag(V)), df = df)
  }
  res
}
lotc <- read.delim(file.path(data_dir, "dhb2015", "lottery.tab"))
lotc$start <- lotc$year - 64
lotc$stop <- lotc$start + 1
lotc$w <- 1 + (lotc$statenum %% 3)
lotc <- lotc[complete.cases(lotc[, c("adopt", "fiscal", "elect1", "elect2", "income1", "religion", "neighbor")]), ]
fml <- Surv(start, stop, adopt) ~ fiscal + elect1 + elect2 + income1 + religion + neighbor
for (m in c("breslow", "efron")) {
  f <- coxph(fml, data = lotc, ties = m, weights = w, cluster = state, control = cctl)
  X <- model.matrix(f)
  out[[paste0("cox_lottery_", m)]] <- cox_cr(f, X, lotc$start, lotc$stop, lotc$adopt, lotc$w,
                                             rep(1, nrow(lotc)), lotc$state, m)
}
f <- coxph(Surv(start, stop, event) ~ share + strata(policy), data = sub, ties = "efron",
           cluster = state, control = cctl)
out$cox_spid_efron <- cox_cr(f, model.matrix(f), sub$start, sub$stop, sub$event, rep(1, nrow(sub)),
                             sub$policy, sub$state, "efron")

# ---------------------------------------------------------------- 3. score bootstrap, full enumeration
# clusters: the 9 census divisions (the package's bundled us_states.csv); all 2^9 sign vectors.
# Efficient score of b_k at the fit restricted to b_k = b0: s_i = S_ik - S_ir A_rr^{-1} A_rk;
# T = sum_g s_g / sqrt(sum_g s_g^2); T*(v) = sum_g v_g s_g / sqrt(sum_g v_g^2 s_g^2);
# p = share of sign vectors with |T*| >= |T| (1 - 1e-9). Two-way (division x year): the
# variance is V(g1) + V(g2) - V(g1 x g2) of the perturbed scores, signs drawn by division.
st <- read.csv(file.path("datasets", "us_states.csv"))
signs <- function(G) as.matrix(expand.grid(rep(list(c(1, -1)), G)))
enum_p <- function(s, g1, g2 = NULL) {
  g1 <- factor(g1)
  Vs <- signs(nlevels(g1))
  vr <- Vs[, as.integer(g1), drop = FALSE]            # signs per row (by g1)
  pert <- sweep(vr, 2, s, "*")                       # (2^G, n)
  crv <- function(P) {
    v <- rowSums(t(rowsum(t(P), g1))^2)
    if (!is.null(g2)) {
      v <- v + rowSums(t(rowsum(t(P), factor(g2)))^2) - rowSums(t(rowsum(t(P), interaction(g1, g2, drop = TRUE)))^2)
    }
    v
  }
  Tall <- rowSums(pert) / sqrt(crv(pert))
  T0 <- sum(s) / sqrt(crv(matrix(s, 1)))
  list(statistic = T0, pvalue = mean(abs(Tall) >= abs(T0) * (1 - 1e-9)), reps = nrow(Vs))
}
efficient <- function(S, A, k) {
  r <- setdiff(seq_len(ncol(S)), k)
  drop(S[, k] - S[, r, drop = FALSE] %*% solve(A[r, r], A[r, k]))
}
lot$div <- st$division[match(lot$state, st$postal)]
X <- model.matrix(f_lot, lot)
Bt <- list()
for (case in list(list("neighbor", 0), list("income1", 0), list("neighbor", 0.3))) {
  term <- case[[1]]; b0 <- case[[2]]
  k <- match(term, colnames(X))
  rf <- glm(lot$adopt ~ X[, -k] - 1 + offset(b0 * X[, k]), family = binomial, control = ctl)
  b <- numeric(ncol(X)); b[-k] <- coef(rf); b[k] <- b0
  mu <- plogis(drop(X %*% b))
  S <- X * (lot$adopt - mu)
  A <- crossprod(X * sqrt(mu * (1 - mu)))
  s <- efficient(S, A, k)
  one <- enum_p(s, lot$div)
  two <- enum_p(s, lot$div, lot$year)
  Bt[[length(Bt) + 1]] <- list(term = term, null = b0, statistic = one$statistic, pvalue = one$pvalue,
                               reps = one$reps, twoway_statistic = two$statistic, twoway_pvalue = two$pvalue)
}
out$boot_logit <- Bt
lotc$div <- st$division[match(lotc$state, st$postal)]
fml_c <- Surv(start, stop, adopt) ~ fiscal + elect1 + elect2 + income1 + religion + neighbor
Bc <- list()
for (case in list(list("neighbor", 0), list("religion", 0), list("neighbor", 0.5))) {
  term <- case[[1]]; b0 <- case[[2]]
  others <- setdiff(c("fiscal", "elect1", "elect2", "income1", "religion", "neighbor"), term)
  rf <- coxph(as.formula(paste("Surv(start, stop, adopt) ~", paste(others, collapse = " + "),
                               "+ offset(", b0, "*", term, ")")), data = lotc, ties = "efron", control = cctl)
  nm <- c("fiscal", "elect1", "elect2", "income1", "religion", "neighbor")
  b <- setNames(numeric(6), nm); b[others] <- coef(rf)[others]; b[term] <- b0
  f0 <- suppressWarnings(coxph(fml_c, data = lotc, ties = "efron", init = b,
                               control = coxph.control(iter.max = 0)))
  S <- residuals(f0, type = "score")
  A <- solve(f0$var)
  s <- efficient(S, A, match(term, nm))
  one <- enum_p(s, lotc$div)
  Bc[[length(Bc) + 1]] <- list(term = term, null = b0, statistic = one$statistic, pvalue = one$pvalue,
                               reps = one$reps)
}
out$boot_cox <- Bc

# ---------------------------------------------------------------- 4. S-2SLS: AER::ivreg + clubSandwich
# tests/reference/fewclusters/s2sls_sim.csv (make_s2sls_sim.py): 48 states x 10 years; W queen
# contiguity from datasets/us_state_borders.csv, row-standardised, applied within each year;
# instruments x, Wx, W^2 x (Kelejian & Prucha), clustered by state.
suppressPackageStartupMessages(library(AER))
sim <- read.csv(file.path("tests", "reference", "fewclusters", "s2sls_sim.csv"))
bd <- read.csv(file.path("datasets", "us_state_borders.csv"))
bd <- bd[!(bd$state1 %in% c("DC", "AK", "HI")) & !(bd$state2 %in% c("DC", "AK", "HI")), ]
us <- sort(unique(c(bd$state1, bd$state2)))
Wm <- matrix(0, length(us), length(us), dimnames = list(us, us))
Wm[cbind(bd$state1, bd$state2)] <- 1
Wm[cbind(bd$state2, bd$state1)] <- 1
Wm <- Wm / rowSums(Wm)
sim <- sim[order(sim$year, sim$unit), ]
lagw <- function(v) unlist(lapply(split(seq_along(v), sim$year), function(i) {
  drop(Wm[sim$unit[i], sim$unit[i]] %*% v[i])}), use.names = FALSE)
sim$Wy <- lagw(sim$y)
sim$Wx <- lagw(sim$x)
sim$WWx <- lagw(sim$Wx)
iv <- ivreg(y ~ Wy + x | x + Wx + WWx, data = sim)
out$s2sls <- cr_pack(iv, sim$unit)
# score bootstrap for S-2SLS by census division (9 clusters, all 2^9 sign vectors):
# S_i = xh_i (y_i - x_i b) at the restricted 2SLS fit, A = Xh'Xh (Xh: first-stage fitted regressors)
sim$div <- st$division[match(sim$unit, st$postal)]
Xs <- cbind(Wy = sim$Wy, "(Intercept)" = 1, x = sim$x)
Zs <- cbind(1, sim$x, sim$Wx, sim$WWx)
Xh <- Zs %*% solve(crossprod(Zs), crossprod(Zs, Xs))
Bs <- list()
for (case in list(list("Wy", 0), list("x", 0.7), list("Wy", 0.3))) {
  k <- match(case[[1]], colnames(Xs)); b0 <- case[[2]]
  b <- numeric(3); b[k] <- b0
  r <- setdiff(1:3, k)
  b[r] <- solve(crossprod(Xh[, r], Xs[, r]), crossprod(Xh[, r], sim$y - b0 * Xs[, k]))
  S <- Xh * drop(sim$y - Xs %*% b)
  s <- efficient(S, crossprod(Xh), k)
  one <- enum_p(s, sim$div)
  Bs[[length(Bs) + 1]] <- list(term = case[[1]], null = b0, statistic = one$statistic, pvalue = one$pvalue,
                               reps = one$reps)
}
out$boot_s2sls <- Bs

write_json(out, out_file, digits = NA, auto_unbox = TRUE)
