# Independent R reference for the S-2SLS robust and cluster variances of
# SpatialLag(method = "s2sls") (issue 12: the package's own sandwich, no linearmodels).
# Run from the repository root: Rscript tests/reference/spatial/make_s2sls_sandwich.R
# The design repeats tests/reference/fewclusters/make_reference.R section 4:
# tests/reference/fewclusters/s2sls_sim.csv, 48 states x 10 years, W queen contiguity from
# datasets/us_state_borders.csv (no DC, AK, HI), row-standardised, applied within each year;
# AER::ivreg(y ~ Wy + x | x + Wx + WWx), pooled (no fixed effects).
suppressPackageStartupMessages({library(AER); library(sandwich); library(jsonlite)})
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
res <- residuals(iv)
n <- nrow(sim); k <- length(coef(iv))
# first stage of Wy on the instruments, for the first-stage summary
fs <- lm(Wy ~ x + Wx + WWx, data = sim)
fs0 <- lm(Wy ~ x, data = sim)
ft <- anova(fs0, fs)
out <- list(
  names = names(coef(iv)), n = n, k = k, n_clusters = length(unique(sim$unit)),
  coef = unname(coef(iv)),
  sigma2 = sum(res^2) / (n - k),                      # ivreg's classical s2 = SSR/(n-k)
  vcov = unname(vcov(iv)),
  HC0 = unname(vcovHC(iv, type = "HC0")),
  CL_HC1 = unname(vcovCL(iv, cluster = ~ unit, type = "HC1")),   # G/(G-1) x (n-1)/(n-k)
  CL_HC0 = unname(vcovCL(iv, cluster = ~ unit, type = "HC0")),   # G/(G-1) only (cadjust = TRUE)
  CL_none = unname(vcovCL(iv, cluster = ~ unit, type = "HC0", cadjust = FALSE)),  # no factor
  first_stage = list(r2 = summary(fs)$r.squared,
                     partial_r2 = 1 - sum(residuals(fs)^2) / sum(residuals(fs0)^2),
                     F = ft$F[2], df_num = ft$Df[2], df_den = ft$Res.Df[2])
)
write_json(out, file.path("tests", "reference", "spatial", "s2sls_sandwich.json"), digits = NA, auto_unbox = TRUE,
           pretty = TRUE)
