# Gradescope's autograder image, reproduced for `python -m autograder grade --docker`.
# Build context: the unzipped ID-autograder.zip (what Gradescope unzips to /autograder/source).
# As on Gradescope: its base image, setup.sh once at build time, then run_autograder per
# submission, as root, with /autograder/submission and /autograder/results mounted.
FROM gradescope/autograder-base:latest
COPY . /autograder/source
RUN cp /autograder/source/run_autograder /autograder/run_autograder \
    && chmod +x /autograder/run_autograder \
    && bash /autograder/source/setup.sh
WORKDIR /autograder
CMD ["bash", "/autograder/run_autograder"]
