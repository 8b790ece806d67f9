"""Reference implementations of every graded function (float64, never mutate inputs).

Each module here is self-contained (imports only torch and the standard library) so
that it can also be submitted verbatim as a student submission in calibration tests.
`misconceptions.py` holds the known wrong formulas used to recognise mistakes.
"""
