# The pooled SPID event-history panel (one row per policy, state and year at risk) with the
# share of bordering states that adopted by year - 1, built in base R. Sourced by
# tests/reference/cox/make_reference.R and tests/reference/fewclusters/make_reference.R.
#   shared: the ../shared/data folder; borders_csv: datasets/us_state_borders.csv
spid_pooled_panel <- function(shared, borders_csv) {
  e <- new.env()
  load(file.path(shared, "spid", "policies.RData"), envir = e)
  pol <- e$policies
  meta <- e$policies_metadata
  pol$state <- state.abb[match(pol$statenam, state.name)]
  stopifnot(!anyNA(pol$state))
  pol$first_year <- meta$first_year[match(pol$policy, meta$policy)]
  early <- pol[pol$adopt_year < pol$first_year, ]  # 2 (gambling_casino: NV 1931, NJ 1976)
  # the project's bundled border facts (queen contiguity); DC is not a SPID unit
  borders <- read.csv(borders_csv)[, c("state1", "state2")]
  borders <- borders[borders$state1 != "DC" & borders$state2 != "DC", ]
  B <- rbind(borders, setNames(borders[, 2:1], names(borders)))
  states <- sort(state.abb)
  # one row per (policy, state, year) at risk
  grid <- merge(meta[, c("policy", "first_year", "last_year")], data.frame(state = states), by = NULL)
  grid$adopt_year <- pol$adopt_year[match(paste(grid$policy, grid$state), paste(pol$policy, pol$state))]
  grid$end <- pmin(ifelse(is.na(grid$adopt_year), grid$last_year, grid$adopt_year), grid$last_year)
  # the 2 early adopters are not at risk (they adopted before the window opened) but do
  # count as adopted neighbours in the exposure
  grid <- grid[!paste(grid$policy, grid$state) %in% paste(early$policy, early$state), ]
  grid <- grid[grid$end >= grid$first_year, ]
  len <- grid$end - grid$first_year + 1
  panel <- grid[rep(seq_len(nrow(grid)), len), c("policy", "state", "first_year", "adopt_year")]
  panel$year <- panel$first_year + sequence(len) - 1
  panel$event <- as.integer(!is.na(panel$adopt_year) & panel$year == panel$adopt_year)
  panel$start <- panel$year - panel$first_year
  panel$stop <- panel$start + 1
  # share of bordering states that adopted by year - 1
  nb <- split(B$state2, B$state1)
  adopt_key <- setNames(pol$adopt_year, paste(pol$policy, pol$state))
  nbr_of <- nb[panel$state]
  n_nb <- vapply(nbr_of, length, 1L)
  idx <- rep(seq_len(nrow(panel)), n_nb)
  ay <- adopt_key[paste(panel$policy[idx], unlist(nbr_of, use.names = FALSE))]
  adopted <- !is.na(ay) & ay <= panel$year[idx] - 1
  cnt <- tabulate(idx[adopted], nbins = nrow(panel))
  panel$share <- ifelse(n_nb > 0, cnt / pmax(n_nb, 1), 0)
  panel <- panel[order(panel$policy, panel$state, panel$year, method = "radix"), ]  # C-locale order, as pandas
  list(panel = panel, early = early, pol = pol, meta = meta)
}
