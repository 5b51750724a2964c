# SPDX-License-Identifier: GPL-3.0-or-later
# Competitor side of scripts/bench-fit: read the CSV and fit the same model as
# `metaprior fit --basis linear` by maximum likelihood, as a whole Rscript process.
#   Rscript scripts/bench/lmer_fit.R FILE
# Prints "loglik <value>" (17 significant digits) and any convergence messages on stdout.
args <- commandArgs(trailingOnly = TRUE)
suppressPackageStartupMessages(library(lme4))
data <- read.csv(args[1])
warnings_seen <- character(0)
fit <- withCallingHandlers(
  lmer(y ~ x1 + x2 + (x1 + x2 | task), data = data, REML = FALSE),
  warning = function(w) {
    warnings_seen <<- c(warnings_seen, conditionMessage(w))
    invokeRestart("muffleWarning")
  }
)
cat(sprintf("loglik %.17g\n", as.numeric(logLik(fit))))
cat(sprintf("sigma2 %.17g\n", sigma(fit)^2))
cat(sprintf("fixef %s\n", paste(sprintf("%.10g", fixef(fit)), collapse = ",")))
vc <- as.matrix(VarCorr(fit)$task)
cat(sprintf("Sigma %s\n", paste(sprintf("%.10g", vc), collapse = ",")))
cat(sprintf("singular %s\n", isSingular(fit)))
msgs <- c(warnings_seen, fit@optinfo$conv$lme4$messages)
for (m in unique(msgs)) cat(sprintf("lme4-message %s\n", gsub("\n", " ", m)))
