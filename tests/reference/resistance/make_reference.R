# Reference values for ds.mechanisms.conditional_effect: the effect of a channel
# (Berry & Berry's neighbour adoptions) at moderator values, b_x + sum_k b_(x:m_k) m_k,
# with the delta-method standard error sqrt(L V L') from R glm's covariance (classical
# and sandwich::vcovCL clustered by state). Also the joint Wald test of every term
# containing the channel (what horse_race reports for a moderated channel).
#
# Run from the repository root:  Rscript tests/reference/resistance/make_reference.R
# Writes tests/reference/resistance/reference.json (full precision). Needs ../shared/data.
suppressPackageStartupMessages({library(sandwich); library(jsonlite); library(survival)})
data_dir <- file.path("..", "shared", "data")
out_file <- file.path("tests", "reference", "resistance", "reference.json")
ctl <- glm.control(epsilon = 1e-14, maxit = 100)

lot <- read.delim(file.path(data_dir, "dhb2015", "lottery.tab"))
vars <- c("adopt", "elect1", "elect2", "income1", "fiscal", "party", "religion", "neighbor", "state", "year")
lot <- lot[complete.cases(lot[, vars]), ]
f <- adopt ~ neighbor * income1 + neighbor:party + fiscal + religion
fit <- glm(f, data = lot, family = binomial, control = ctl)
b <- coef(fit)
grid <- expand.grid(income1 = c(40, 55, 70), party = c(0, 1))  # first column varies fastest
# Python's grid (itertools.product over sorted moderator names: income1, party) varies the
# last one fastest; reorder to match
grid <- grid[order(grid$income1, grid$party), ]
L <- matrix(0, nrow(grid), length(b), dimnames = list(NULL, names(b)))
L[, "neighbor"] <- 1
L[, "neighbor:income1"] <- grid$income1
L[, "neighbor:party"] <- grid$party
eff <- function(V) list(estimate = as.vector(L %*% b), std_error = sqrt(diag(L %*% V %*% t(L))))
wald <- function(V, terms) {
  d <- b[terms]
  s <- as.numeric(t(d) %*% solve(V[terms, terms], d))
  list(statistic = s, df = length(terms), pvalue = pchisq(s, length(terms), lower.tail = FALSE))
}
terms <- c("neighbor", "neighbor:income1", "neighbor:party")
Vc <- vcov(fit)
Vcl <- vcovCL(fit, cluster = ~state)
res <- list(
  n = nrow(lot), names = names(b), coef = unname(b),
  income1 = grid$income1, party = grid$party,
  classical = eff(Vc), cluster_state = eff(Vcl),
  joint_classical = wald(Vc, terms), joint_cluster_state = wald(Vcl, terms),
  # drop-one LR for the moderated channel: refit without every term containing neighbor
  loglik = as.numeric(logLik(fit)),
  loglik_without = as.numeric(logLik(glm(adopt ~ income1 + fiscal + religion, data = lot,
                                         family = binomial, control = ctl))))
# Cox (Efron ties), counting-process time as tests/reference/cox/make_reference.R builds it,
# clustered by state (coxph's robust variance)
lot$start <- lot$year - 64
lot$stop <- lot$start + 1
cx <- coxph(Surv(start, stop, adopt) ~ neighbor * income1 + neighbor:party + fiscal + religion, data = lot,
            ties = "efron", cluster = state,
            control = coxph.control(eps = 1e-12, iter.max = 100, toler.chol = 1e-13))
bc <- coef(cx)
Lc <- matrix(0, nrow(grid), length(bc), dimnames = list(NULL, names(bc)))
Lc[, "neighbor"] <- 1
Lc[, "neighbor:income1"] <- grid$income1
Lc[, "neighbor:party"] <- grid$party
res$cox_cluster_state <- list(names = names(bc), coef = unname(bc), estimate = as.vector(Lc %*% bc),
                              std_error = sqrt(diag(Lc %*% vcov(cx) %*% t(Lc))))
write_json(res, out_file, digits = NA, auto_unbox = TRUE, pretty = TRUE)
cat("wrote", out_file, "\n")
