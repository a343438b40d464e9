# Small .rda files (project-authored synthetic data) for tests/test_rda_reader.py: one data
# frame each, every column type the streaming reader decodes (double, integer with NA,
# logical with NA, character with NA and non-ASCII text, factor with NA), saved with each
# compression and both serialisation versions, plus two files it must refuse (two objects;
# a list that is not a data frame).
# Run from the repository root:  Rscript tests/reference/rda/make_rda_cases.R
out <- file.path("tests", "reference", "rda")
d <- data.frame(
  dbl = c(1.5, NA, -2.25e10, 0, 3),
  int = c(1L, NA, -7L, 2147483647L, 0L),
  lgl = c(TRUE, NA, FALSE, TRUE, FALSE),
  chr = c("AL", NA, "S\u00e3o Paulo", "AL", ""),
  fac = factor(c("b", "a", NA, "b", "c"), levels = c("a", "b", "c")),
  stringsAsFactors = FALSE)
for (comp in c("gzip", "bzip2", "xz")) for (v in 2:3) {
  cases <- d
  save(cases, file = file.path(out, sprintf("cases_%s_v%d.rda", comp, v)), compress = comp, version = v)
}
cases <- d
other <- 1:3
save(cases, other, file = file.path(out, "two_objects.rda"))
cases <- list(a = 1:3, b = letters[1:2])
save(cases, file = file.path(out, "not_a_frame.rda"))
cat("wrote", length(list.files(out, pattern = "[.]rda$")), "files\n")
