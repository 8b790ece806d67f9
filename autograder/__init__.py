"""Autograder for generative-models homework on Gradescope (see README.md)."""

__version__ = "0.1.0"
