# Reference values for tests/test_bad_input.py (issue 13), from the committed synthetic inputs.
#   cd tests/reference/hardening && Rscript make_reference.R
# 1. glm on x + 1e8: R's QR-based IRLS fits it (the slope equals the fit on x).
# 2. coxph with non-integer case weights: R's default variance is then the robust one.
library(survival)
library(jsonlite)
g <- read.csv("glm_shift.csv")
g$z <- g$x + 1e8
ctl <- glm.control(epsilon = 1e-14, maxit = 100)
fx <- glm(y ~ x, data = g, family = binomial, control = ctl)
fz <- glm(y ~ z, data = g, family = binomial, control = ctl)
cw <- read.csv("cox_weights.csv")
fc <- coxph(Surv(stop, event) ~ x, data = cw, weights = w, ties = "efron",
            control = coxph.control(eps = 1e-12, iter.max = 50))
res <- list(
  glm_x = list(coef = unname(coef(fx)), se = unname(sqrt(diag(vcov(fx))))),
  glm_z = list(coef = unname(coef(fz)), se = unname(sqrt(diag(vcov(fz))))),
  cox_weights = list(coef = unname(coef(fc)), se = unname(sqrt(diag(vcov(fc)))),
                     naive_se = unname(sqrt(diag(fc$naive.var))), robust = !is.null(fc$naive.var))
)
write_json(res, "reference.json", digits = NA, auto_unbox = TRUE)
