# SPDX-License-Identifier: GPL-3.0-or-later
# Competitor side of scripts/bench-fit: read the CSV and fit the same model as
# `metaprior fit --basis linear` by maximum likelihood (or the formula given, by ML or REML,
# as `metaprior fit --formula F [--reml]`), as a whole Rscript process.
#   Rscript scripts/bench/lmer_fit.R FILE [FORMULA [REML]]
# Prints "loglik <value>" (17 significant digits; the REML log-likelihood, -REMLcrit/2, for a
# REML fit) and any convergence messages on stdout.
args <- commandArgs(trailingOnly = TRUE)
suppressPackageStartupMessages(library(lme4))
data <- read.csv(args[1])
model <- if (length(args) >= 2) as.formula(args[2]) else y ~ x1 + x2 + (x1 + x2 | task)
reml <- length(args) >= 3 && args[3] == "REML"
warnings_seen <- character(0)
fit <- withCallingHandlers(
  lmer(model, data = data, REML = reml),
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
