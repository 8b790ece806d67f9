import sys
import warnings

# torch warns at import when numpy is absent; the grader does not use numpy.
warnings.filterwarnings("ignore", message="Failed to initialize NumPy")

from autograder.cli import main  # noqa: E402

sys.exit(main())
