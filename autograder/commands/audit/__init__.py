"""`audit ID`: does a rubric catch wrong code?

calibration.py       the reference scores full marks, the stubs zero, each known mistake loses points on its items only
mutants.py           one-change mutants of a reference function
student_mistakes.py  the mistakes students make, as mutants (an abs dropped, the naive logsumexp, float32, ...)
equivalence.py       whether a mutant that kept full marks differs from the reference at all
regimes.py           what the cases reach in each function: branches, operation sites (sites.py), declared regimes
sites.py             the regimes of each abs, clamp, where, logsumexp, log1p, ... a function runs
rules.py             whether each item checks the global rules (inputs unmodified, no hidden randomness, a tensor returned)
variants.py          grading the reference with one module replaced, and which items depend on a function
run.py               the whole audit and its report
"""
