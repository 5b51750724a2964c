// SPDX-License-Identifier: GPL-3.0-or-later
import Testing
@testable import MetaPrior

/// lme4-style formulas: what R's `terms()` and lme4's bar syntax make of them. The expected
/// canonical forms follow R 4.x: `attr(terms(y ~ a*b), "term.labels")` gives
/// "a" "b" "a:b" (terms ordered by their number of variables, then by appearance), and
/// `attr(terms(y ~ 0 + x), "intercept")` is 0; `terms(y ~ (a + b):c)` gives "a:c" "b:c" and
/// `terms(y ~ x + b:a + a:b)` gives "x" "b:a" (variables in order of first appearance).
@Suite("Formula parsing")
struct FormulaParsingTests {
    @Test(arguments: [
        ("distance ~ age + Sex + (age | Subject)", "distance ~ 1 + age + Sex + (1 + age | Subject)"),
        ("Reaction ~ Days + (Days | Subject)", "Reaction ~ 1 + Days + (1 + Days | Subject)"),
        ("Reaction ~ Days + (Days || Subject)", "Reaction ~ 1 + Days + (1 + Days || Subject)"),
        ("y ~ 1 + (1 | g)", "y ~ 1 + (1 | g)"),
        ("y ~ (0 + x | g)", "y ~ 1 + (0 + x | g)"),
        ("y ~ x - 1 + (x | g)", "y ~ 0 + x + (1 + x | g)"),
        ("y ~ 0 + x + (x - 1 | g)", "y ~ 0 + x + (0 + x | g)"),
        ("y ~ a*b + (1 | g)", "y ~ 1 + a + b + a:b + (1 | g)"),
        ("y ~ a:b + a + (1 | g)", "y ~ 1 + a + a:b + (1 | g)"),
        ("y ~ a*b*c - a:b:c + (1 | g)", "y ~ 1 + a + b + c + a:b + a:c + b:c + (1 | g)"),
        ("y ~ x + I(x^2) + (x | g)", "y ~ 1 + x + I(x^2) + (1 + x | g)"),
        ("y ~ x + b:a + a:b + (1 | g)", "y ~ 1 + x + b:a + (1 | g)"),
        ("y ~ (a + b):c + (1 | g)", "y ~ 1 + a:c + b:c + (1 | g)"),
        ("y ~ x + (1 | g) + (0 + x | g)", "y ~ 1 + x + (1 + x || g)"),
        ("y ~ `body mass` + (1 | `the task`)", "y ~ 1 + body mass + (1 | the task)"),
        ("y ~ x", "y ~ 1 + x"),
        ("y ~ arm + age:arm + (1 | g)", "y ~ 1 + arm + arm:age + (1 | g)"),
        ("y ~ b + (a:b | g)", "y ~ 1 + b + (1 + a:b | g)"),
    ])
    func canonicalForm(formula: String, canonical: String) throws {
        #expect(try ModelFormula(parsing: formula).description == canonical)
    }

    @Test func partsOfTheOrthodontFormula() throws {
        let f = try ModelFormula(parsing: "distance ~ age + Sex + (age | Subject)")
        #expect(f.response == "distance")
        #expect(f.shared == TermList(intercept: true, terms: [Term([.column("age")]), Term([.column("Sex")])]))
        #expect(f.taskSpecific == TermList(intercept: true, terms: [Term([.column("age")])]))
        #expect(f.group == "Subject")
        #expect(f.uncorrelated == false)
    }

    /// Each refusal quotes the part it cannot read.
    @Test(arguments: [
        ("", "empty"),
        ("~ x", "start with the response"),
        ("y x", "'~'"),
        ("y ~", "nothing after"),
        ("y ~ x + (x | g) + (1 | h)", "different columns"),
        ("y ~ x + (1 | g/h)", "one grouping factor"),
        ("y ~ x + (1 | g:h)", "one grouping factor"),
        ("y ~ log(x) + (1 | g)", "'log(x)'"),
        ("y ~ poly(x, 2) + (1 | g)", "'poly(x, 2)'"),
        ("y ~ x + offset(t) + (1 | g)", "offset"),
        ("log(y) ~ x + (1 | g)", "'log(…)'"),
        ("cbind(s) ~ x + (1 | g)", "','"),
        ("cbind(s, n - f) ~ x + (1 | g)", "must be the successes column"),
        ("cbind(s, s) ~ x + (1 | g)", "twice"),
        ("cbind(s, n ~ x + (1 | g)", "')'"),
        ("y ~ (a + b)^2 + (1 | g)", "powers of a formula"),
        ("y ~ x + x | g", "in parentheses"),
        ("y ~ x + (x + (1 | g) | g)", "bar inside a bar"),
        ("y ~ x:(1 | g)", "cannot be combined"),
        ("y ~ 2 + x", "the number 2"),
        ("y ~ I(x^0) + (1 | g)", "whole number from 1 to 20"),
        ("y ~ I(x + 1) + (1 | g)", "'^'"),
        ("y ~ x + (x | g) + (1 | g)", "each hold one term"),
        ("y ~ x + (1 | g) + (1 | g)", "appears twice"),
        ("y ~ x + (1 | )", "grouping column"),
        ("y ~ x + (1 | g", "')'"),
        ("y ~ x $ z", "unexpected"),
    ])
    func refusalsNameTheProblem(formula: String, fragment: String) {
        do {
            _ = try ModelFormula(parsing: formula)
            Issue.record("'\(formula)' was accepted")
        } catch let error as InputError {
            #expect(error.column == "--formula")
            #expect(error.message.contains(fragment), "\(error.message)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    /// R's two ways of writing a binomial response, kept in canonical form.
    @Test func binomialResponses() throws {
        let trials = try ModelFormula(parsing: "cbind(incidence, size - incidence) ~ period + (1 | herd)")
        #expect(trials.response == "incidence" && trials.binomialTrials == .trials("size"))
        #expect(trials.description == "cbind(incidence, size - incidence) ~ 1 + period + (1 | herd)")
        let failures = try ModelFormula(parsing: "cbind(s,f)~x+(1|g)")
        #expect(failures.binomialTrials == .failures("f") && failures.description.hasPrefix("cbind(s, f) ~"))
        #expect(try ModelFormula(parsing: failures.description) == failures)
        #expect(try ModelFormula(parsing: "y ~ x + (1 | g)").binomialTrials == nil)
    }
}
