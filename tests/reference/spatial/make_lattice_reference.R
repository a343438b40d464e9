# Reference values for SpatialLag on rook lattices (spdep::cell2nb), the analytical variance.
#
# Run from the repository root:  Rscript tests/reference/spatial/make_lattice_reference.R [sides]
#   sides: comma-separated lattice sides (default 10,20,30,50,70); N = side^2.
# Needs spatialreg, spdep, Matrix, jsonlite. Writes tests/reference/spatial/lattice_reference.json
# (full precision, digits = NA); with sides given, merges them into an existing file.
#
# Data (deterministic, no random-number generator, so Python rebuilds them exactly):
#   cell k = 1..N in cell2nb order (k = (row - 1) * side + col); integer hashes exact in doubles
#   u(a, b)_k = ((a k^2 + b k) mod 1000003) / 1000003 - 1/2,
#   x1 = sqrt(12) u(7919, 104729), x2 = sqrt(12) u(15485863 %% 1000003, 31) + 0.3 x1,
#   e  = sqrt(12) u(3571, 2097593 %% 1000003),
#   y  = (I - 0.5 W)^-1 (1 + x1 - 0.5 x2 + e),  W = rook contiguity, row-standardised.
# Fits: lagsarlm(y ~ x1 + x2, method = "eigen") (analytical information: exact tr(G), tr(GG)
# from the eigenvalues, tr(G'G) from the dense inverse), and for N > 1500 also
# method = "Matrix" (numerical Hessian, spatialreg's default above control$small = 1500).
suppressPackageStartupMessages({
  library(spatialreg)
  library(spdep)
  library(Matrix)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
sides <- if (length(args)) as.integer(strsplit(args[1], ",")[[1]]) else c(10L, 20L, 30L, 50L, 70L)
path <- file.path("tests", "reference", "spatial", "lattice_reference.json")
out <- if (length(args) && file.exists(path)) fromJSON(path, simplifyVector = FALSE) else list()

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
  t_eig <- system.time(f <- lagsarlm(y ~ x1 + x2, data = d, listw = lw, method = "eigen", quiet = TRUE))
  res <- list(side = side, n = n, rho = unname(f$rho), beta = as.list(f$coefficients), sigma2 = f$s2,
              rho_se = f$rho.se, rest_se = as.list(f$rest.se), resvar = unname(f$resvar),
              LL = as.numeric(f$LL), interval = f$interval, y_head = y[1:5], y_sum = sum(y),
              seconds_eigen = t_eig[["elapsed"]])
  if (n > 1500) {
    t_m <- system.time(fm <- lagsarlm(y ~ x1 + x2, data = d, listw = lw, method = "Matrix", quiet = TRUE))
    res$matrix_method <- list(rho = unname(fm$rho), rho_se = fm$rho.se, rest_se = as.list(fm$rest.se),
                              LL = as.numeric(fm$LL), seconds = t_m[["elapsed"]])
  }
  out[[paste0("side_", side)]] <- res
  cat(sprintf("side %d (N = %d): rho = %.10f se = %.10f  eigen %.1f s\n", side, n, f$rho, f$rho.se,
              t_eig[["elapsed"]]))
  write_json(out, path, digits = NA, auto_unbox = TRUE, pretty = TRUE)
}
out$meta <- list(R = R.version.string, spatialreg = as.character(packageVersion("spatialreg")),
                 spdep = as.character(packageVersion("spdep")))
write_json(out, path, digits = NA, auto_unbox = TRUE, pretty = TRUE)
cat("wrote", path, "\n")
