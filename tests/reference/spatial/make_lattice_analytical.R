# The analytical (expected-information) SE of rho written out in R with exact traces, for
# rook lattices too large for lagsarlm(method = "eigen") on this machine (N = 4,900 took
# 3,471 s there; N = 10,000 would take hours with the reference BLAS).
#
# Run from the repository root:  Rscript tests/reference/spatial/make_lattice_analytical.R [sides]
#   sides: comma-separated lattice sides (default 50,70,100). Writes
#   tests/reference/spatial/lattice_analytical.json (full precision, digits = NA).
# Data: exactly those of make_lattice_reference.R (deterministic integer hashes).
# Estimates: lagsarlm(method = "Matrix") (the same ML optimum as "eigen"; its variance is a
# numerical Hessian and is not used). Variance: the inverse of the information matrix of
# (sigma^2, rho, beta) that lagsarlm(method = "eigen") inverts (Anselin 1988; spatialreg's
# lagsarlm asymptotic variance), with G = (I - rho W)^-1 W:
#   I_ss = n / (2 s2^2), I_sr = tr(G) / s2, I_rr = tr(G'G) + tr(GG) + |G X b|^2 / s2,
#   I_rb = X' G X b / s2, I_bb = X'X / s2, I_sb = 0.
# Traces exact: G's columns by sparse solves with A (Matrix package), in blocks of 500 columns;
# (GG)[, j] = G G[, j] by a second solve. For sides 50 and 70 the result is compared with the
# stored lagsarlm(method = "eigen") SEs in lattice_reference.json (printed; the test checks it).
suppressPackageStartupMessages({
  library(spatialreg)
  library(spdep)
  library(Matrix)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
sides <- if (length(args)) as.integer(strsplit(args[1], ",")[[1]]) else c(50L, 70L, 100L)
path <- file.path("tests", "reference", "spatial", "lattice_analytical.json")
out <- if (file.exists(path)) fromJSON(path, simplifyVector = FALSE) else list()
p <- 1000003
hash_u <- function(k, a, b) ((a * k * k + b * k) %% p) / p - 0.5
for (side in sides) {
  n <- side * side
  nb <- cell2nb(side, side, type = "rook")
  lw <- nb2listw(nb, style = "W")
  k <- seq_len(n)
  x1 <- sqrt(12) * hash_u(k, 7919, 104729)
  x2 <- sqrt(12) * hash_u(k, 15485863 %% p, 31) + 0.3 * x1
  e <- sqrt(12) * hash_u(k, 3571, 2097593 %% p)
  W <- as(as_dgRMatrix_listw(lw), "CsparseMatrix")
  y <- as.vector(solve(Diagonal(n) - 0.5 * W, 1 + x1 - 0.5 * x2 + e))
  d <- data.frame(y = y, x1 = x1, x2 = x2)
  t0 <- proc.time()[["elapsed"]]
  fm <- lagsarlm(y ~ x1 + x2, data = d, listw = lw, method = "Matrix", quiet = TRUE)
  rho <- unname(fm$rho)
  b <- fm$coefficients
  s2 <- fm$s2
  X <- cbind(1, x1, x2)
  A <- Diagonal(n) - rho * W
  trG <- 0
  trGG <- 0
  trGtG <- 0
  for (a in seq(1, n, by = 500)) {
    cols <- a:min(n, a + 499)
    Gb <- as.matrix(solve(A, as.matrix(W[, cols])))
    trG <- trG + sum(Gb[cbind(cols, seq_along(cols))])
    trGtG <- trGtG + sum(Gb^2)
    GGb <- as.matrix(solve(A, as.matrix(W %*% Gb)))
    trGG <- trGG + sum(GGb[cbind(cols, seq_along(cols))])
  }
  GXb <- as.vector(solve(A, as.vector(W %*% (X %*% b))))
  info <- matrix(0, 5, 5)
  info[1, 1] <- n / (2 * s2^2)
  info[1, 2] <- info[2, 1] <- trG / s2
  info[2, 2] <- trGtG + trGG + sum(GXb^2) / s2
  info[2, 3:5] <- info[3:5, 2] <- as.vector(crossprod(X, GXb)) / s2
  info[3:5, 3:5] <- crossprod(X) / s2
  V <- solve(info)
  secs <- proc.time()[["elapsed"]] - t0
  out[[paste0("side_", side)]] <- list(
    side = side, n = n, rho = rho, beta = as.list(b), sigma2 = s2, traces = c(trG, trGG, trGtG),
    rho_se = sqrt(V[2, 2]), rest_se = as.list(setNames(sqrt(diag(V)[3:5]), names(b))),
    matrix_rho_se = fm$rho.se, seconds = secs)
  cat(sprintf("side %d (N = %d): rho = %.10f analytical se = %.12f (%.0f s)\n", side, n, rho, sqrt(V[2, 2]), secs))
  write_json(out, path, digits = NA, auto_unbox = TRUE, pretty = TRUE)
}
ref <- file.path("tests", "reference", "spatial", "lattice_reference.json")
if (file.exists(ref)) {
  eig <- fromJSON(ref)
  for (s in intersect(names(out), names(eig))) if (!is.null(eig[[s]]$rho_se) && s != "meta")
    cat(sprintf("%s: analytical %.12f, lagsarlm eigen %.12f, rel. diff. %.2e\n", s, out[[s]]$rho_se,
                eig[[s]]$rho_se, abs(out[[s]]$rho_se / eig[[s]]$rho_se - 1)))
}
out$meta <- list(R = R.version.string, spatialreg = as.character(packageVersion("spatialreg")),
                 Matrix = as.character(packageVersion("Matrix")))
write_json(out, path, digits = NA, auto_unbox = TRUE, pretty = TRUE)
cat("wrote", path, "\n")
