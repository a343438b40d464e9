# The pooled SPID event-history panel in base R (the construction of
# tests/reference/cox/make_reference.R, as a function): every policy's 50 states at risk
# from first_year until adoption or last_year; adoptions before first_year are not at
# risk; start = year - first_year, stop = start + 1; share = share of bordering states
# (queen contiguity, datasets/us_state_borders.csv) that adopted by year - 1.
build_spid_panel <- function(shared, repo) {
  e <- new.env()
  load(file.path(shared, "spid", "policies.RData"), envir = e)
  pol <- e$policies
  meta <- e$policies_metadata
  pol$state <- state.abb[match(pol$statenam, state.name)]
  stopifnot(!anyNA(pol$state))
  pol$first_year <- meta$first_year[match(pol$policy, meta$policy)]
  early <- pol[pol$adopt_year < pol$first_year, ]
  borders <- read.csv(file.path(repo, "datasets", "us_state_borders.csv"))[, c("state1", "state2")]
  borders <- borders[borders$state1 != "DC" & borders$state2 != "DC", ]
  B <- rbind(borders, setNames(borders[, 2:1], names(borders)))
  states <- sort(state.abb)
  grid <- merge(meta[, c("policy", "first_year", "last_year", "majortopic")], data.frame(state = states), by = NULL)
  grid$adopt_year <- pol$adopt_year[match(paste(grid$policy, grid$state), paste(pol$policy, pol$state))]
  grid$end <- pmin(ifelse(is.na(grid$adopt_year), grid$last_year, grid$adopt_year), grid$last_year)
  grid <- grid[!paste(grid$policy, grid$state) %in% paste(early$policy, early$state), ]
  grid <- grid[grid$end >= grid$first_year, ]
  len <- grid$end - grid$first_year + 1
  panel <- grid[rep(seq_len(nrow(grid)), len), c("policy", "state", "first_year", "adopt_year", "majortopic")]
  panel$year <- panel$first_year + sequence(len) - 1
  panel$event <- as.integer(!is.na(panel$adopt_year) & panel$year == panel$adopt_year)
  panel$start <- panel$year - panel$first_year
  panel$stop <- panel$start + 1
  nb <- split(B$state2, B$state1)
  adopt_key <- setNames(pol$adopt_year, paste(pol$policy, pol$state))
  nbr_of <- nb[panel$state]
  n_nb <- vapply(nbr_of, length, 1L)
  idx <- rep(seq_len(nrow(panel)), n_nb)
  ay <- adopt_key[paste(panel$policy[idx], unlist(nbr_of, use.names = FALSE))]
  adopted <- !is.na(ay) & ay <= panel$year[idx] - 1
  cnt <- tabulate(idx[adopted], nbins = nrow(panel))
  panel$share <- ifelse(n_nb > 0, cnt / pmax(n_nb, 1), 0)
  panel[order(panel$policy, panel$state, panel$year, method = "radix"), ]
}
