# SPDX-License-Identifier: GPL-3.0-or-later
# Competitor side of scripts/bench-glmm: read the CSV and fit the same model as
# `metaprior fit --model binomial --formula F` by the Laplace approximation (glmer's default,
# nAGQ = 1, default optimiser and tolerances), as a whole Rscript process.
#   Rscript scripts/bench/glmer_fit.R FILE FORMULA
# Prints "loglik <value>" (17 significant digits), the fixed effects, theta and any
# convergence messages on stdout.
args <- commandArgs(trailingOnly = TRUE)
suppressPackageStartupMessages(library(lme4))
data <- read.csv(args[1])
model <- as.formula(args[2])
warnings_seen <- character(0)
fit <- withCallingHandlers(
  glmer(model, data = data, family = binomial),
  warning = function(w) {
    warnings_seen <<- c(warnings_seen, conditionMessage(w))
    invokeRestart("muffleWarning")
  }
)
cat(sprintf("loglik %.17g\n", as.numeric(logLik(fit))))
cat(sprintf("fixef %s\n", paste(sprintf("%.10g", fixef(fit)), collapse = ",")))
cat(sprintf("theta %s\n", paste(sprintf("%.10g", getME(fit, "theta")), collapse = ",")))
vc <- as.matrix(VarCorr(fit)[[1]])
cat(sprintf("Sigma %s\n", paste(sprintf("%.10g", vc), collapse = ",")))
cat(sprintf("singular %s\n", isSingular(fit)))
msgs <- c(warnings_seen, fit@optinfo$conv$lme4$messages)
for (m in unique(msgs)) cat(sprintf("lme4-message %s\n", gsub("\n", " ", m)))
