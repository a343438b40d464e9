# Reference values for diffusion_stats.mechanisms.netinf / rolling_netinf (tests/test_netinf.py).
#
# Run from anywhere:
#   Rscript tests/reference/netinf/make_reference.R [path/to/NetworkInference/R-library]
# Writes tests/reference/netinf/reference.json (full precision: 17 significant digits). Tests read that file and
# never call R. Built with R 4.2, Rcpp 1.0.10 and NetworkInference 1.2.5 built from its
# public source (github.com/desmarais-lab/NetworkInference, commit 78bee0b) with
#   R CMD INSTALL -l <library> <source>
# (the optional argument is that library; it is put first on .libPaths()).
#
# Data (read from ../shared/data, never copied into the repo): SPID v1.0,
# spid/policies.RData (the same file NetworkInference ships as data(policies)).
# Cascades: one per policy (all 728, or a subset by policies_metadata$majortopic, or
# a window of adoption years), node = statenam, time = adopt_year. Nodes are passed as
# node_names = sort(unique(statenam)) and cascades are split in the C collation, the
# order diffusion_stats uses (sorted labels), so that integer ids, and hence the
# tie-breaking among equal improvements, are the same.
#
# Cases: exponential, rayleigh and log-normal, with params = NULL (R's own starting
# values) and fixed params; all policies and topic subsets; one p_value_cutoff run; one
# rolling-window network (adoptions 1960-1994: the network for 1995 with window = 35).
# R's rayleigh starting value overflows (exp(lgamma(N)) = Inf, R stops) when more than
# 171 adoptions follow a first one, so the rayleigh params = NULL case uses a small topic
# subset ("Agriculture").

args <- commandArgs(trailingOnly = TRUE)
if (length(args) >= 1) .libPaths(c(args[1], .libPaths()))
suppressPackageStartupMessages({
  library(NetworkInference)
  library(jsonlite)
})
invisible(Sys.setlocale("LC_COLLATE", "C"))

fargs <- commandArgs(trailingOnly = FALSE)
here <- dirname(normalizePath(sub("^--file=", "", fargs[grep("^--file=", fargs)])))
shared <- normalizePath(file.path(here, "..", "..", "..", "..", "shared", "data"))
load(file.path(shared, "spid", "policies.RData"))
d <- as.data.frame(policies)
d$statenam <- as.character(d$statenam)
d$policy <- as.character(d$policy)
d <- d[order(d$policy, d$adopt_year, d$statenam), ]

to_cascade <- function(x) {
  as_cascade_long(x, cascade_node_name = "statenam", event_time = "adopt_year",
                  cascade_id = "policy", node_names = sort(unique(x$statenam)))
}

# jsonlite 1.8 writes at most 15 significant digits whatever `digits` says: the computed
# values are stored as strings with 17 (exact round trip); the tests parse them as floats
full <- function(x) sprintf("%.17g", as.numeric(x))

run <- function(name, x, subset, trans_mod, params = NULL, n_edges = NULL, p_value_cutoff = NULL) {
  casc <- to_cascade(x)
  t0 <- proc.time()[["elapsed"]]
  res <- netinf(casc, trans_mod = trans_mod, n_edges = n_edges, p_value_cutoff = p_value_cutoff,
                params = params, quiet = TRUE)
  cat(sprintf("%-28s %4d cascades %5d edges %.2f s\n", name, length(casc$cascade_nodes), nrow(res),
              proc.time()[["elapsed"]] - t0))
  list(name = name, subset = subset, trans_mod = trans_mod,
       params_in = if (is.null(params)) NULL else params,
       n_edges = if (is.null(n_edges)) NULL else n_edges,
       p_value_cutoff = if (is.null(p_value_cutoff)) NULL else p_value_cutoff,
       params = full(attr(res, "diffusion_model_parameters")),
       n_cascades = length(casc$cascade_nodes),
       n_possible = count_possible_edges(casc),
       origin = as.character(res$origin_node), destination = as.character(res$destination_node),
       improvement = full(res$improvement), p_value = full(res$p_value))
}

topic <- function(t) d[d$policy %in% policies_metadata$policy[policies_metadata$majortopic == t], ]
all_sub <- list(kind = "all")
health <- list(kind = "majortopic", value = "Health")
agri <- list(kind = "majortopic", value = "Agriculture")
win <- d[d$adopt_year >= 1995 - 35 & d$adopt_year <= 1995 - 1, ]

cases <- list(
  run("all_exponential_default", d, all_sub, "exponential", n_edges = 300),
  run("all_exponential_fixed", d, all_sub, "exponential", params = 0.25, n_edges = 300),
  run("all_rayleigh_fixed", d, all_sub, "rayleigh", params = 5, n_edges = 300),
  run("health_exponential_default", topic("Health"), health, "exponential", n_edges = 200),
  run("health_rayleigh_fixed", topic("Health"), health, "rayleigh", params = 3, n_edges = 200),
  run("health_exponential_cutoff", topic("Health"), health, "exponential", p_value_cutoff = 0.05),
  run("agriculture_rayleigh_default", topic("Agriculture"), agri, "rayleigh", n_edges = 30),
  run("agriculture_exponential_default", topic("Agriculture"), agri, "exponential", n_edges = 30),
  run("health_lognormal_fixed", topic("Health"), health, "log-normal", params = c(1.5, 1), n_edges = 100),
  run("health_lognormal_default", topic("Health"), health, "log-normal", n_edges = 100),
  run("window_1995_exponential_default", win, list(kind = "years", value = c(1960, 1994)), "exponential",
      n_edges = 300)
)
names(cases) <- vapply(cases, function(z) z$name, "")
out <- list(NetworkInference = as.character(packageVersion("NetworkInference")),
            R = R.version.string, cases = cases)
write_json(out, file.path(here, "reference.json"), digits = NA, auto_unbox = TRUE, pretty = FALSE)
cat("wrote", file.path(here, "reference.json"), "\n")
