"""Grading: rubric + submission -> item results -> results.json, with the student's code in the sandbox.

engine.py     one grading run: the launcher first (zygote or spawner), then the rubric, phase by phase
rubric.py     the rubric YAML: schema, loading with line numbers, instructor-facing errors
course_tests.py  a course's Python tests (gradescope-utils decorators): collected, checked, run against the worker
answer_sheet.py  answers.yaml as a whole: the report of its problems, before any answer is graded
runner.py     one item: build each case, call the worker, judge, score
verdicts.py   what the runner finds: a verdict per case, a score per item
sides.py      where a check's functions come from: the reference, or the student's, called over the wire
probes.py     checks that combine several of the student's functions, run in the grader
compare.py    got vs expected, and exactly how they differ
properties.py judges that accept an output by a law it must satisfy
mistakes.py   known wrong answers that explain a failing value with a targeted hint
render.py     the feedback text of one item, with the hidden/visible redaction
feedback.py   the pieces feedback is made of: snippets, literals, fences, grids
recording.py  recorded expected values, for a student handout that ships without the reference
results.py    results.json: models, the conversion of a grading run, the writer
terminal.py   the score table on a terminal
"""
