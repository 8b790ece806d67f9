"""What the grader knows about each graded function: how to build its inputs, run it and judge it.

base.py      the shared types: case parameters, calls, outputs, tolerances, checks, function specs
registry.py  every graded function by name
<module>.py  one per student module (vae.py, diffusion.py, ...): its functions' specs
"""
