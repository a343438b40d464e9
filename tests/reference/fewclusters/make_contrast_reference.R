# Reference values for the Satterthwaite df of linear contrasts after CR2/CR3
# (diffusion_stats' results.contrast_df and the df of ds.effects / predict intervals;
# tests/test_small_sample.py): clubSandwich::linear_contrast(test = "Satterthwaite") on the
# Berry & Berry lottery logit clustered by state (the model of make_reference.R, 1a).
#
# Run from the repository root:  Rscript tests/reference/fewclusters/make_contrast_reference.R
# Writes tests/reference/fewclusters/contrast_reference.json (full precision). Needs ../shared/data.
suppressPackageStartupMessages({library(clubSandwich); library(jsonlite)})
data_dir <- file.path("..", "shared", "data")
out_file <- file.path("tests", "reference", "fewclusters", "contrast_reference.json")
ctl <- glm.control(epsilon = 1e-14, maxit = 100)
lot <- read.delim(file.path(data_dir, "dhb2015", "lottery.tab"))
vars <- c("adopt", "elect1", "elect2", "income1", "fiscal", "party", "religion", "neighbor", "state", "year")
lot <- lot[complete.cases(lot[, vars]), ]
fit <- glm(adopt ~ elect1 + elect2 + income1 + fiscal + party + religion + neighbor, data = lot,
           family = binomial, control = ctl)
k <- length(coef(fit))
C <- rbind(
  replace(numeric(k), c(5, 8), c(1, -1)),            # fiscal - neighbor
  replace(numeric(k), c(1, 8), c(1, 2)),             # intercept + 2 neighbor
  c(1, colMeans(model.matrix(fit))[-1])              # linear predictor at the means
)
out <- list(names = names(coef(fit)), contrasts = sprintf("%.17g", as.vector(t(C))), n_contrasts = nrow(C))
for (type in c("CR2", "CR3")) {
  V <- vcovCR(fit, cluster = lot$state, type = type)
  lc <- linear_contrast(fit, vcov = V, contrasts = C, test = "Satterthwaite")
  out[[type]] <- list(estimate = lc$Est, se = lc$SE, df = lc$df)
}
writeLines(toJSON(lapply(out, function(x) if (is.list(x)) lapply(x, function(v) sprintf("%.17g", v)) else x),
                  auto_unbox = TRUE, digits = NA), out_file)
