# Reference for ds.plots.schoenfeld: R's cox.zph(fit, transform = "identity")$y, the scaled
# Schoenfeld residuals (beta + d * V r_k) that plot(cox.zph(fit)) draws.
# Simulated data (seeded), so the input is the project's own; run from this folder:
#   Rscript scaled_schoenfeld.R
library(survival)
library(jsonlite)
set.seed(20240611)
n <- 120
x1 <- rnorm(n)
x2 <- rbinom(n, 1, 0.4)
t <- rexp(n, rate = exp(0.5 * x1 - 0.7 * x2) * 0.1)
cens <- runif(n, 5, 40)
d <- data.frame(start = 0, stop = pmin(t, cens), event = as.integer(t <= cens), x1 = x1, x2 = x2)
write.csv(format(d, digits = 17), "scaled_schoenfeld_data.csv", row.names = FALSE, quote = FALSE)
fit <- coxph(Surv(start, stop, event) ~ x1 + x2, data = d, ties = "efron")
z <- cox.zph(fit, transform = "identity")
write_json(list(coef = unname(coef(fit)), time = unname(z$x), x1 = unname(z$y[, "x1"]), x2 = unname(z$y[, "x2"])),
           "scaled_schoenfeld.json", digits = NA)

# Stratified version (strata alternate a/b by row): the same formula holds with strata.
d$g <- rep(c("a", "b"), length.out = nrow(d))
fit_s <- coxph(Surv(start, stop, event) ~ x1 + x2 + strata(g), data = d, ties = "efron")
z_s <- cox.zph(fit_s, transform = "identity")
write_json(list(coef = unname(coef(fit_s)), time = unname(z_s$x), x1 = unname(z_s$y[, "x1"]),
                x2 = unname(z_s$y[, "x2"])), "scaled_schoenfeld_strata.json", digits = NA)
