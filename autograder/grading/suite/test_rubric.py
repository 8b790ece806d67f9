"""The grading suite: one test per rubric item, parametrized by the grading plugin (autograder.grading.plugin)."""


def test_item(graded_item, grading):
    result = grading.run(graded_item)
    assert result.passed, result.output
