"""The commands built on grading: what the CLI runs besides `grade` and `check`.

gradescope.py  /autograder in, results.json out: what run_autograder calls
build.py       the Gradescope zip and the student handout
batch.py       regrading a Gradescope export with parallel jobs
docker.py      `grade --docker`: grading inside Gradescope's image
docker_base.py `docker-base`: a stand-in for Gradescope's base image, made with debootstrap
audit/         calibration and mutation testing of a rubric
"""
