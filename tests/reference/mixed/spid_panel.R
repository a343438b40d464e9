# The pooled SPID event-history panel in base R for the mixed-model reference: the shared
# construction of tests/reference/spid_panel.R (also behind the Cox and few-cluster
# references), with each policy's majortopic added.
build_spid_panel <- function(shared, repo) {
  source(file.path(repo, "tests", "reference", "spid_panel.R"), local = TRUE)
  r <- spid_pooled_panel(shared, file.path(repo, "datasets", "us_state_borders.csv"))
  panel <- r$panel
  panel$majortopic <- r$meta$majortopic[match(panel$policy, r$meta$policy)]
  panel[, c("policy", "state", "first_year", "adopt_year", "majortopic", "year", "event", "start", "stop",
            "share")]
}
