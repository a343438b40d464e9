# Reference values for diffusion_stats' spatial-lag model and diagnostics.
#
# Run from the repository root:  Rscript tests/reference/spatial/make_reference.R
# Needs R >= 4.2 with spatialreg, spdep, jsonlite, and the shared data in ../shared/data.
# Writes tests/reference/spatial/reference.json (full precision, digits = NA).
#
# Data (all real, read from ../shared/data, never copied into the repository):
#  * "state": Correlates of State Policy (csp.rda), 48 contiguous states (AK, HI have no
#    land border and are dropped; DC is not a state), year 2010.
#      taxes_inc  = tax revenue as % of personal income (outcome)
#      lincome    = log(pc_inc_ann)  (per-capita annual income)
#      nonwhite   = nonwhite population share
#      lpop       = log(pop_annual)
#    W = bundled datasets/us_state_borders.csv, rook contiguity (corner_only pairs,
#    i.e. the Four Corners AZ-CO and NM-UT, excluded; DC pairs excluded), row-standardised.
#  * "panel": the same 48 states and variables, 2000-2010 (balanced, 528 rows), with
#    unit / time / two-way fixed effects by Lee & Yu's (2010) transformation approach:
#    the data are transformed with orthonormal F_T (unit effects) and/or F_N (time
#    effects), F the eigenvectors of the centring matrix with eigenvalue 1, and
#    lagsarlm(method = "eigen") is fitted to the transformed data with
#    W* = I_(T-1) (x) W (unit), I_T (x) F_N' W F_N (time), I_(T-1) (x) F_N' W F_N (two-way).
#  * "country": COW National Material Capabilities (cow_nmc.rda), year 2012,
#      lmilex_pc = log(milex / tpop)  (military spending per head)
#      ltpop     = log(tpop)
#      lpec_pc   = log(pec / tpop)    (energy consumption per head)
#      urban     = upop / tpop
#    countries with milex, tpop, upop, pec > 0; W = COW direct contiguity (cow_contdir.rda)
#    by land (conttype == 1), spells overlapping 2012, restricted to the sample;
#    countries without a land neighbour in the sample are dropped repeatedly until none
#    is left; row-standardised.
suppressPackageStartupMessages({
  library(spatialreg)
  library(spdep)
  library(jsonlite)
})

shared <- normalizePath(file.path("..", "shared", "data"))
out <- list()

# ------------------------------------------------------------------ helpers
fit_lag <- function(formula, data, lw, name, impacts = TRUE, diag = TRUE) {
  f <- lagsarlm(formula, data = data, listw = lw, method = "eigen")
  s <- summary(f)
  res <- list(
    coefficients = as.list(coef(f)),          # rho first, then beta
    rho = unname(f$rho), beta = as.list(f$coefficients),
    sigma2 = f$s2, rho_se = f$rho.se, rest_se = as.list(f$rest.se),
    resvar = unname(f$resvar), resvar_names = colnames(f$resvar),
    LL = as.numeric(f$LL), LL_null_lm = as.numeric(f$LLNullLlm),
    LR = as.numeric(s$LR1$statistic), LR_p = as.numeric(s$LR1$p.value),
    Wald = as.numeric(s$Wald1$statistic), Wald_p = as.numeric(s$Wald1$p.value),
    LMtest = as.numeric(f$LMtest), interval = f$interval, n = length(f$residuals)
  )
  if (impacts) {
    set.seed(20240501)
    im <- impacts(f, listw = lw, R = 1000)
    sm <- summary(im, zstats = TRUE, short = TRUE)
    res$impacts <- list(
      names = attr(im, "bnames"),
      direct = im$res$direct, indirect = im$res$indirect, total = im$res$total,
      se_direct = unname(sm$semat[, 1]), se_indirect = unname(sm$semat[, 2]),
      se_total = unname(sm$semat[, 3])
    )
  }
  if (diag) {
    st <- stsls(formula, data = data, listw = lw)
    str_ <- stsls(formula, data = data, listw = lw, robust = TRUE)
    res$stsls <- list(coefficients = as.list(st$coefficients), var = unname(st$var),
                      robust_var = unname(str_$var), names = names(st$coefficients))
    ols <- lm(formula, data = data)
    mt <- lm.morantest(ols, lw)
    res$lm_morantest <- list(I = unname(mt$estimate[1]), expectation = unname(mt$estimate[2]),
                             variance = unname(mt$estimate[3]), statistic = unname(mt$statistic),
                             p_value = unname(mt$p.value))
    yv <- model.response(model.frame(formula, data))
    mv <- moran.test(yv, lw)
    res$moran_y <- list(I = unname(mv$estimate[1]), expectation = unname(mv$estimate[2]),
                        variance = unname(mv$estimate[3]), statistic = unname(mv$statistic),
                        p_value = unname(mv$p.value))
    mvn <- moran.test(yv, lw, randomisation = FALSE)
    res$moran_y_normal <- list(I = unname(mvn$estimate[1]), expectation = unname(mvn$estimate[2]),
                               variance = unname(mvn$estimate[3]), statistic = unname(mvn$statistic),
                               p_value = unname(mvn$p.value))
    lmt <- lm.LMtests(ols, lw, test = "all")
    res$lm_tests <- lapply(lmt, function(t) list(statistic = unname(t$statistic),
                                                 df = unname(t$parameter), p_value = unname(t$p.value)))
  }
  res
}

# ------------------------------------------------------------------ states
vars <- c("taxes_inc", "pc_inc_ann", "nonwhite", "pop_annual")
cache <- Sys.getenv("DS_REF_CACHE")  # optional: an .rds path to skip re-reading csp.rda when iterating
if (nzchar(cache) && file.exists(cache)) {
  csp_sub <- readRDS(cache)
} else {
  load(file.path(shared, "csp", "csp.rda"))
  csp_sub <- csp[csp$variable %in% vars & csp$year >= 2000 & csp$year <= 2010, c("year", "st", "variable", "value")]
  rm(csp); invisible(gc())
  if (nzchar(cache)) saveRDS(csp_sub, cache)
}
wide <- reshape(as.data.frame(csp_sub), idvar = c("year", "st"), timevar = "variable", direction = "wide")
names(wide) <- sub("^value\\.", "", names(wide))
borders <- read.csv(file.path("datasets", "us_state_borders.csv"), stringsAsFactors = FALSE)
borders <- borders[!as.logical(borders$corner_only) & borders$state1 != "DC" & borders$state2 != "DC", ]
states <- sort(unique(c(borders$state1, borders$state2)))
stopifnot(length(states) == 48)
wide <- wide[wide$st %in% states, ]
wide$lincome <- log(wide$pc_inc_ann)
wide$lpop <- log(wide$pop_annual)
wide <- wide[order(wide$year, wide$st), c("year", "st", "taxes_inc", "lincome", "nonwhite", "lpop")]
stopifnot(all(complete.cases(wide)), nrow(wide) == 48 * 11)

B <- matrix(0, 48, 48, dimnames = list(states, states))
B[cbind(borders$state1, borders$state2)] <- 1
B[cbind(borders$state2, borders$state1)] <- 1
lw_states <- mat2listw(B, row.names = states, style = "W")
Wst <- listw2mat(lw_states)

cs <- wide[wide$year == 2010, ]
cs <- cs[match(states, cs$st), ]
fml <- taxes_inc ~ lincome + nonwhite + lpop
out$state <- fit_lag(fml, cs, lw_states, "state")
out$state$units <- cs$st
out$state$year <- 2010

# Durbin (mixed) model, point impacts
fd <- lagsarlm(fml, data = cs, listw = lw_states, method = "eigen", Durbin = TRUE)
imd <- impacts(fd, listw = lw_states)
out$state_durbin <- list(coefficients = as.list(coef(fd)), sigma2 = fd$s2, rho_se = fd$rho.se,
                         rest_se = as.list(fd$rest.se), LL = as.numeric(fd$LL),
                         impacts = list(direct = imd$direct, indirect = imd$indirect, total = imd$total))

# ------------------------------------------------------------------ panel (Lee & Yu transformation approach)
# listw from a dense matrix with possibly negative weights (mat2listw refuses those)
dense2listw <- function(M) {
  n <- nrow(M)
  nb <- lapply(seq_len(n), function(i) { j <- which(M[i, ] != 0); if (length(j) == 0) 0L else as.integer(j) })
  wts <- lapply(seq_len(n), function(i) M[i, M[i, ] != 0])
  attr(nb, "region.id") <- as.character(seq_len(n))
  class(nb) <- "nb"
  lw <- list(style = "M", neighbours = nb, weights = wts)
  class(lw) <- c("listw", "nb")
  attr(lw, "region.id") <- attr(nb, "region.id")
  lw
}
centring_basis <- function(k) {
  J <- diag(k) - matrix(1 / k, k, k)
  e <- eigen(J, symmetric = TRUE)
  e$vectors[, abs(e$values - 1) < 1e-8, drop = FALSE]
}
Tn <- 11; N <- 48
yrs <- 2000:2010
panel_arr <- function(v) {  # N x T matrix (states in `states` order)
  sapply(yrs, function(t) { d <- wide[wide$year == t, ]; d[[v]][match(states, d$st)] })
}
pv <- c("taxes_inc", "lincome", "nonwhite", "lpop")
arrs <- lapply(pv, panel_arr); names(arrs) <- pv
FT <- centring_basis(Tn); FN <- centring_basis(N)
transform_panel <- function(unit, time) {
  d <- lapply(arrs, function(a) {
    a2 <- a
    if (time) a2 <- t(FN) %*% a2           # (N-1) x T
    if (unit) a2 <- a2 %*% FT              # ... x (T-1)
    as.vector(a2)                          # stacked by period
  })
  as.data.frame(d)
}
panel_fit <- function(unit, time) {
  d <- transform_panel(unit, time)
  Wb <- if (time) t(FN) %*% Wst %*% FN else Wst
  nper <- if (unit) Tn - 1 else Tn
  Wbig <- kronecker(diag(nper), Wb)
  lw <- if (time) dense2listw(Wbig) else mat2listw(Wbig, style = "W")
  f <- lagsarlm(taxes_inc ~ lincome + nonwhite + lpop - 1, data = d, listw = lw, method = "eigen",
                quiet = TRUE)
  list(rho = unname(f$rho), beta = as.list(f$coefficients), sigma2 = f$s2, rho_se = f$rho.se,
       rest_se = as.list(f$rest.se), LL = as.numeric(f$LL), n = nrow(d))
}
out$panel <- list(
  units = states, years = yrs,
  unit = panel_fit(TRUE, FALSE),
  time = panel_fit(FALSE, TRUE),
  twoway = panel_fit(TRUE, TRUE)
)
# pooled (no effects) stacked cross-section with block-diagonal W
pooled <- wide[order(wide$year, match(wide$st, states)), ]
lw_pool <- mat2listw(kronecker(diag(Tn), Wst), style = "W")
fp <- lagsarlm(fml, data = pooled, listw = lw_pool, method = "eigen", quiet = TRUE)
out$panel$pooled <- list(rho = unname(fp$rho), beta = as.list(fp$coefficients), sigma2 = fp$s2,
                         rho_se = fp$rho.se, rest_se = as.list(fp$rest.se), LL = as.numeric(fp$LL))

# ------------------------------------------------------------------ time-varying W (real network)
# 50 states x 2000-2009, pooled (no effects), W_t = the DHB (2015) inferred diffusion network
# of year t (src_35_300): W_t[i, j] = 1 for a tie listed with state_01 = j and state_02 = i (the
# reverse of the package's reading of the file's direction, see mechanisms.network_weights; the
# test only needs some real year-varying W, and both readings are valid weight matrices);
# directed, row-standardised per year; states without a source that year keep a zero row
# (zero.policy = TRUE). Stacked by year with block-diagonal W = diag(W_2000, ..., W_2009).
net <- read.csv(file.path(shared, "dhb2015", "dhb2015apsr-networks.csv"), stringsAsFactors = FALSE)
net <- net[net$year >= 2000 & net$year <= 2009 & !is.na(net$src_35_300) & net$src_35_300 == 1 &
           net$state_01 != net$state_02, ]
wide50 <- reshape(as.data.frame(csp_sub), idvar = c("year", "st"), timevar = "variable", direction = "wide")
names(wide50) <- sub("^value\\.", "", names(wide50))
st50 <- sort(unique(c(net$state_01, net$state_02)))
stopifnot(length(st50) == 50)
wide50 <- wide50[wide50$st %in% st50 & wide50$year <= 2009, ]
wide50$lincome <- log(wide50$pc_inc_ann)
wide50$lpop <- log(wide50$pop_annual)
wide50 <- wide50[order(wide50$year, wide50$st), ]
stopifnot(nrow(wide50) == 500, all(complete.cases(wide50[, c("taxes_inc", "lincome", "nonwhite", "lpop")])))
blocks <- lapply(2000:2009, function(t) {
  e <- net[net$year == t, ]
  M <- matrix(0, 50, 50, dimnames = list(st50, st50))
  M[cbind(e$state_02, e$state_01)] <- 1
  rs <- rowSums(M); M[rs > 0, ] <- M[rs > 0, ] / rs[rs > 0]
  M
})
Wtv <- as.matrix(Matrix::bdiag(blocks))
lw_tv <- mat2listw(Wtv, style = "W")
ftv <- lagsarlm(fml, data = wide50, listw = lw_tv, method = "eigen", zero.policy = TRUE, quiet = TRUE)
out$panel_tv <- list(rho = unname(ftv$rho), beta = as.list(ftv$coefficients), sigma2 = ftv$s2,
                     rho_se = ftv$rho.se, rest_se = as.list(ftv$rest.se), LL = as.numeric(ftv$LL),
                     n_isolates = sum(rowSums(Wtv) == 0))

# ------------------------------------------------------------------ countries
load(file.path(shared, "cow", "cow_nmc.rda"))
load(file.path(shared, "cow", "cow_contdir.rda"))
nmc <- as.data.frame(cow_nmc[cow_nmc$year == 2012, ])
nmc <- nmc[!is.na(nmc$milex) & !is.na(nmc$tpop) & !is.na(nmc$upop) & !is.na(nmc$pec) &
           nmc$milex > 0 & nmc$tpop > 0 & nmc$upop > 0 & nmc$pec > 0, ]
cd <- as.data.frame(cow_contdir)
cd <- cd[cd$conttype == 1 & cd$stdate <= as.Date("2012-12-31") & cd$enddate >= as.Date("2012-01-01"), ]
codes <- sort(unique(nmc$ccode))
repeat {
  e <- cd[cd$ccode1 %in% codes & cd$ccode2 %in% codes, ]
  has <- codes %in% c(e$ccode1, e$ccode2)
  if (all(has)) break
  codes <- codes[has]
}
e <- unique(e[, c("ccode1", "ccode2")])
lab <- as.character(codes)
Bc <- matrix(0, length(codes), length(codes), dimnames = list(lab, lab))
Bc[cbind(as.character(e$ccode1), as.character(e$ccode2))] <- 1
Bc[cbind(as.character(e$ccode2), as.character(e$ccode1))] <- 1
lw_c <- mat2listw(Bc, row.names = lab, style = "W")
cc <- nmc[match(codes, nmc$ccode), ]
cc$lmilex_pc <- log(cc$milex / cc$tpop)
cc$ltpop <- log(cc$tpop)
cc$lpec_pc <- log(cc$pec / cc$tpop)
cc$urban <- cc$upop / cc$tpop
out$country <- fit_lag(lmilex_pc ~ ltpop + lpec_pc + urban, cc, lw_c, "country")
fm <- lagsarlm(lmilex_pc ~ ltpop + lpec_pc + urban, data = cc, listw = lw_c, method = "Matrix")
out$country$matrix_method <- list(rho = unname(fm$rho), rho_se = fm$rho.se, rest_se = as.list(fm$rest.se),
                                  LL = as.numeric(fm$LL))
out$country$units <- lab
out$country$year <- 2012
out$country$n_edges <- nrow(e)

# ------------------------------------------------------------------ yearly Moran (event history)
# Berry & Berry (1990) lottery risk set (DHB 2015 replication archive): states at risk of
# adopting a lottery, 1964-86. Per year, Moran's I (randomisation) of `adopt` and of the
# response residuals of a logit, with W = rook borders restricted to the states at risk that
# year, row-standardised; states without a neighbour at risk keep a zero row
# (zero.policy = TRUE, spdep's default adjust.n = TRUE). Years without an adoption are skipped.
lot <- read.delim(file.path(shared, "dhb2015", "lottery.tab"), stringsAsFactors = FALSE)
lot$year <- lot$year + 1900
gl <- glm(adopt ~ income1 + fiscal + elect1, family = binomial, data = lot,
          control = glm.control(epsilon = 1e-14, maxit = 100))
lot$resid <- lot$adopt - fitted(gl)
ym <- list()
for (y in sort(unique(lot$year))) {
  d <- lot[lot$year == y, ]
  if (length(unique(d$adopt)) < 2) next
  sts <- d$state
  Bs <- B[sts, sts, drop = FALSE]
  lw <- nb2listw(mat2listw(Bs, row.names = sts)$neighbours, style = "W", zero.policy = TRUE)
  m1 <- moran.test(d$adopt, lw, zero.policy = TRUE)
  m2 <- moran.test(d$resid, lw, zero.policy = TRUE)
  ym[[length(ym) + 1]] <- list(year = y, n = nrow(d), n_isolates = sum(rowSums(Bs) == 0),
                               I = unname(m1$estimate[1]), variance = unname(m1$estimate[3]),
                               statistic = unname(m1$statistic), p_value = unname(m1$p.value),
                               resid_I = unname(m2$estimate[1]), resid_statistic = unname(m2$statistic))
}
out$lottery <- list(coefficients = as.list(coef(gl)), yearly = ym)

out$meta <- list(R = R.version.string, spatialreg = as.character(packageVersion("spatialreg")),
                 spdep = as.character(packageVersion("spdep")))
write_json(out, file.path("tests", "reference", "spatial", "reference.json"), digits = NA,
           auto_unbox = TRUE, pretty = TRUE)
cat("wrote tests/reference/spatial/reference.json\n")
