"""`audit ID`: does a rubric catch wrong code?

calibration.py  the reference scores full marks, the stubs zero, each known mistake loses points on its items only
mutants.py      one-change mutants of a reference function
equivalence.py  whether a mutant that kept full marks differs from the reference at all
variants.py     grading the reference with one module replaced, and which items depend on a function
run.py          the whole audit and its report
"""
