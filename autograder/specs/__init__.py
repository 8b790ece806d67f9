"""What the grader knows about each graded function: how to build its inputs, run it and judge it.

base.py      the shared types: case parameters, calls, outputs, tolerances, checks, function specs
registry.py  every graded function by name: the built-in ones, then the active course's
declared.py  a course's functions declared in YAML (specs/<module>.yaml), made into function specs
<module>.py  one per student module (vae.py, diffusion.py, ...): its functions' specs
"""
