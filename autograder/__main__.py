import os
import sys
import warnings

# torch warns at import when numpy is absent (a student's machine may lack it); the grader does not need numpy.
warnings.filterwarnings("ignore", message="Failed to initialize NumPy")

from autograder import timings  # noqa: E402
from autograder.cli import main  # noqa: E402

code = main()
timings.write()
# Every command has written and closed its files and ended its processes by now.  Tearing down an
# interpreter that loaded torch takes about 0.3 s more, for nothing: end here instead.
sys.stdout.flush()
sys.stderr.flush()
os._exit(code)
