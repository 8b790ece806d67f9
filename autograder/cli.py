"""Command line: `python -m autograder {grade,check,list,validate,build,batch,audit,docker-base,gradescope}` (see --help)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from autograder import __version__
from autograder.yamlfile import YamlError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m autograder",
        description="Grade generative-models homework against reference implementations, as Gradescope does.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    course = argparse.ArgumentParser(add_help=False)
    course.add_argument("--course", type=Path, metavar="DIR",
                        help="a course folder (rubrics/, reference/, student_template/, specs/, tests/) instead of the "
                             "product's own assignments")

    grade = sub.add_parser("grade", parents=[course], help="grade a submission with every test (for instructors)",
                           description="Grade SUBMISSION (a folder or a zip) with all tests, print a score table and "
                                       "write results.json. Exits 0 whenever grading itself succeeded, whatever the score.")
    grade.add_argument("submission", type=Path, metavar="SUBMISSION")
    grade.add_argument("--assignment", "-a", required=True, metavar="ID", help="assignment id (see `list`)")
    grade.add_argument("--output", "-o", type=Path, default=Path("results.json"), metavar="PATH",
                       help="where to write results.json (default: %(default)s)")
    grade.add_argument("--details", action="store_true", help="also print the feedback of failing tests")
    grade.add_argument("--rubric", type=Path, metavar="PATH", help="grade with this rubric file instead of rubrics/ID.yaml")
    grade.add_argument("--docker", action="store_true", help="grade inside Gradescope's image (Dockerfile), through the "
                       "docker SDK: needs a Docker engine and `pip install 'gm-autograder[docker]'`")
    grade.add_argument("--docker-network", action="store_true",
                       help="with --docker, give the grading container a network, as Gradescope's has (default: none)")
    grade.add_argument("--sandbox-user", metavar="USER", help="as root, run student code as USER, waiting while another "
                       "grading holds it (default: the first free account of gm-sandbox, gm-sandbox-1, ..., created "
                       "where missing)")

    check = sub.add_parser("check", parents=[course], help="run the visible tests on your work (for students)",
                           description="Run the visible tests on SUBMISSION (default: the current folder) with the same "
                                       "engine as Gradescope. Exits 1 if any visible test fails, 2 if the check cannot run.")
    check.add_argument("submission", type=Path, nargs="?", default=Path("."), metavar="SUBMISSION")
    check.add_argument("--assignment", "-a", required=True, metavar="ID", help="assignment id (see `list`)")
    check.add_argument("--rubric", type=Path, metavar="PATH", help=argparse.SUPPRESS)
    check.add_argument("--sandbox-user", metavar="USER", help="as root, run student code as USER when it exists, "
                       "waiting while another grading holds it (default: the first free account of gm-sandbox, "
                       "gm-sandbox-1, ...; none: as root)")
    check.add_argument("--portable", action="store_true",
                       help="run your code in a fresh Python process per worker, as on macOS and Windows (default there)")

    lister = sub.add_parser("list", parents=[course], help="list assignments with their items and points")
    lister.add_argument("--json", action="store_true", help="machine-readable output")

    validate = sub.add_parser("validate", parents=[course], help="check rubrics, and a course's specs and tests",
                              description="Validate RUBRIC files (default: every rubric in rubrics/) without grading "
                                          "anything; with --course, the course's function specs and Python tests too. Exits 1 "
                                          "if anything is invalid. --schema prints the JSON Schema of the rubric format "
                                          "instead (schemas/rubric.schema.json is this output), --spec-schema that of "
                                          "function spec files (schemas/spec.schema.json).")
    validate.add_argument("rubrics", type=Path, nargs="*", metavar="RUBRIC")
    validate.add_argument("--schema", action="store_true", help="print the rubric format's JSON Schema and exit")
    validate.add_argument("--spec-schema", action="store_true", help="print the function spec format's JSON Schema and exit")

    batch = sub.add_parser("batch", parents=[course], help="regrade a Gradescope export, one results.json per submission and a CSV",
                           description="Regrade every submission of EXPORT (Gradescope's \"Export Submissions\" folder), each "
                                       "isolated as in `grade`, with N parallel jobs. Writes OUT/submission_<id>/results.json "
                                       "and a CSV of per-test scores. Rerunning resumes: graded submissions are skipped.")
    batch.add_argument("export", type=Path, metavar="EXPORT")
    batch.add_argument("--assignment", "-a", required=True, metavar="ID", help="assignment id (see `list`)")
    batch.add_argument("--jobs", "-j", type=int, default=1, metavar="N", help="parallel jobs, each leasing its own sandbox account "
                       "(setup.sh creates 4; more are created as needed) (default: %(default)s)")
    batch.add_argument("--csv", type=Path, default=Path("scores.csv"), metavar="PATH", help="default: %(default)s")
    batch.add_argument("--out", "-o", type=Path, metavar="DIR", help="results folder (default: EXPORT-results beside EXPORT)")
    batch.add_argument("--rubric", type=Path, metavar="PATH", help="grade with this rubric file instead of rubrics/ID.yaml")
    batch.add_argument("--quiet", "-q", action="store_true", help="no progress bar")

    audit = sub.add_parser("audit", parents=[course], help="calibrate a rubric and measure, by mutation testing, whether it catches wrong code",
                           description="Grade the reference (expect full marks), the stubs (expect zero) and each known "
                                       "mistake (expect lost points on the items that depend on it only); then grade one-change "
                                       "and student-like mutants of every graded reference function and report, per item, the "
                                       "non-equivalent mutants that keep full marks, the regimes of each function no case reaches "
                                       "(branches, both signs of an abs, both sides of a clamp, overflowing magnitudes, t = T, "
                                       "D = 1, ...) and the global rules an item does not check. Exits 1 when a rubric fails "
                                       "calibration, is below --target, or leaves a regime unreached or a rule unchecked.")
    audit.add_argument("assignment", metavar="ID", nargs="*", help="assignment ids (default: every rubric)")
    audit.add_argument("--rubric", type=Path, metavar="PATH", help="audit this rubric file instead of rubrics/ID.yaml")
    audit.add_argument("--function", action="append", metavar="MODULE.FUNCTION", help="only these functions (repeatable)")
    audit.add_argument("--json", type=Path, metavar="PATH", help="also write the report as JSON")
    audit.add_argument("--target", type=float, default=0.95, help="required kill rate (default: %(default)s)")
    audit.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    audit.add_argument("--sandbox-user", metavar="USER", help="as root, run the mutants as USER (default: the first free "
                       "account of gm-sandbox, gm-sandbox-1, ...)")

    build = sub.add_parser("build", parents=[course], help="write the Gradescope autograder zip and the student handout",
                           description="Write ID-autograder.zip (upload it on Gradescope's Configure Autograder page) and "
                                       "ID-handout.zip (stubs, answers.yaml template, and `python check.py`, the local check "
                                       "of the visible tests) into DIR.")
    build.add_argument("assignment", metavar="ID", help="assignment id (see `list`)")
    build.add_argument("--out", "-o", type=Path, default=Path("dist"), metavar="DIR", help="output folder (default: %(default)s)")

    base = sub.add_parser("docker-base", help="make a stand-in gradescope/autograder-base image (no Docker Hub needed)",
                          description="Build a minimal Debian with debootstrap (python3, python3-venv, ca-certificates), "
                                      "add this machine's trusted certificates, and import it into the Docker engine "
                                      "under TAG, for `grade --docker` where Docker Hub cannot be reached. Needs root.")
    base.add_argument("--tag", default="gradescope/autograder-base:latest", help="image name (default: %(default)s)")
    base.add_argument("--suite", default="bookworm", help="Debian release (default: %(default)s)")
    base.add_argument("--mirror", default="http://deb.debian.org/debian", metavar="URL", help="default: %(default)s")
    base.add_argument("--wheels", type=Path, metavar="DIR",
                      help="copy DIR's wheels into the image, where pip finds them (PIP_FIND_LINKS): torch from a file")

    gs = sub.add_parser("gradescope", help="grade as Gradescope's run_autograder does")
    gs.add_argument("--root", type=Path, default=Path("/autograder"), help="autograder root (default: %(default)s)")
    return parser


def _rubric_error(exc: YamlError) -> int:
    print(f"error: invalid {'function spec' if exc.path.parent.name == 'specs' else 'rubric'}\n{exc}", file=sys.stderr)
    return 2


def _grade(args: argparse.Namespace) -> int:
    from autograder.grading import engine

    if not args.submission.exists():
        print(f"error: {args.submission} does not exist", file=sys.stderr)
        return 2
    if args.docker:
        from autograder.commands import docker

        print(f"wrote {docker.grade(args.assignment, args.submission, args.output, network=args.docker_network)} "
              "(graded in Docker)")
        return 0
    launcher = engine.start(args.sandbox_user)     # first: nothing but torch and the sandbox exists before it
    from autograder import timings
    from autograder.grading import results, rubric, terminal

    with launcher:
        try:
            path = args.rubric or rubric.find(args.assignment)
            result = engine.grade(launcher, args.submission, path)
        except YamlError as exc:
            return _rubric_error(exc)
    print(terminal.table(result, details=args.details))
    results.to_results(result).write(args.output)
    account = launcher.sandbox.user
    print(f"\nwrote {args.output}" + (f" (student code ran as {account})" if account else ""))
    timings.mark("results")
    if "warning" in result.layers["grader"]:
        print(f"warning: {result.layers['grader']['warning']}", file=sys.stderr)
    return 0


def _check(args: argparse.Namespace) -> int:
    """The visible tests, on any machine; a problem of the check itself is one line, never a traceback."""
    from autograder.grading import engine

    if not args.submission.exists():
        print(f"error: {args.submission} does not exist", file=sys.stderr)
        return 2
    try:
        launcher = engine.start(args.sandbox_user, portable=True if args.portable else None, account_required=False)
        from autograder import timings
        from autograder.grading import rubric, terminal
    except Exception as exc:  # noqa: BLE001 - never a traceback in front of a student
        return _check_failed(exc)
    try:
        with launcher:
            path = args.rubric or rubric.find(args.assignment)
            result = engine.grade(launcher, args.submission, path, visible_only=True)
    except YamlError as exc:
        return _rubric_error(exc)
    except Exception as exc:  # noqa: BLE001
        return _check_failed(exc)
    terminal.print_report(result)
    timings.mark("results")
    return 0 if all(r.passed for r in result.results.values()) and len(result.results) == len(result.items) else 1


def _check_failed(exc: Exception) -> int:
    print(f"error: the local check could not run ({type(exc).__name__}: {exc}); this is not a problem with your code: "
          "please tell course staff", file=sys.stderr)
    return 2


def _list(args: argparse.Namespace) -> int:
    from autograder.grading import rubric

    listing = []
    for path in sorted(rubric.rubric_dir().glob("*.yaml")):
        try:
            r, items = rubric.load(path)
        except YamlError as exc:
            return _rubric_error(exc)
        listing.append({"assignment": r.assignment, "title": r.title, "total_points": r.total, "items": [
            {"id": i.id, "name": i.title, "function": i.spec.qualname, "check": i.check.name, "points": i.item.points,
             "visibility": i.visibility, "cases": len(i.cases)} for i in items]})
    if args.json:
        print(json.dumps(listing, indent=2))
    else:
        for a in listing:
            print(f"{a['assignment']}: {a['title']} ({a['total_points']:g} points, {len(a['items'])} items)")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from autograder import course
    from autograder.grading import course_tests, rubric
    from autograder.specs import declared
    from autograder.specs.registry import registry

    if args.schema or args.spec_schema:
        print(json.dumps(rubric.json_schema() if args.schema else declared.json_schema(), indent=2))
        return 0
    active = course.active()
    bad, specs_load = 0, True
    try:
        declared_specs = [q for q in registry() if q.split(".")[0] in {p.stem for p in active.specs}]
        for path in active.specs:
            print(f"ok      {path}: {', '.join(q for q in declared_specs if q.startswith(path.stem + '.')) or 'no functions'}")
    except YamlError as exc:          # every rubric needs the specs: the rubrics wait until they load
        print(f"invalid {exc.path}\n{exc}", file=sys.stderr)
        bad, specs_load = bad + 1, False
    tests = course_tests.collect(active.tests, active.root)
    for problem in tests.problems:
        print(f"invalid {problem}", file=sys.stderr)
    bad += len(tests.problems)
    for path in active.tests:
        found = [t for t in tests.tests if t.id.startswith(f"{path.relative_to(active.root)}::")]
        if found:
            print(f"ok      {path}: {len(found)} tests, {sum(t.points for t in found):g} points")
    for path in (args.rubrics or sorted(rubric.rubric_dir().glob("*.yaml"))) if specs_load else ():
        try:
            r, items = rubric.load(path)
        except YamlError as exc:
            print(f"invalid {path}\n{exc}", file=sys.stderr)
            bad += 1
            continue
        visible = sum(i.visibility == "visible" for i in items)
        listed = [t for t in tests.tests if t.id.split("::")[0] in {Path(f).as_posix() for f in r.tests}]
        print(f"ok      {path}: {r.assignment}, {len(items)} items ({visible} visible), {r.total:g} points"
              + (f" + {sum(t.points for t in listed):g} in {len(listed)} Python tests" if listed else ""))
        hidden = [i.id for i in items if i.visibility == "hidden" and i.item.points > 0]
        hidden += [t.id for t in listed if t.visibility == "hidden" and t.points > 0]
        if hidden:
            print(f"warning {path}: {', '.join(hidden)} {'is' if len(hidden) == 1 else 'are'} hidden with points, so Gradescope "
                  "hides the total from students; use visibility: after_due_date (or after_published)", file=sys.stderr)
    return 1 if bad else 0


def _batch(args: argparse.Namespace) -> int:
    from autograder.commands import batch
    from autograder.grading import rubric

    if not (args.export / "submission_metadata.yml").is_file() and not any(args.export.glob("submission_*")):
        print(f"error: {args.export} is not a Gradescope export (no submission_metadata.yml, no submission_* folders)",
              file=sys.stderr)
        return 2
    try:
        path = args.rubric or rubric.find(args.assignment)
        rubric.load(path)
    except YamlError as exc:
        return _rubric_error(exc)
    out = args.out or args.export.with_name(args.export.name + "-results")
    submissions, skipped = batch.regrade(args.export, path, out, jobs=args.jobs, progress=not args.quiet)
    batch.write_csv(submissions, out, args.csv)
    print(f"{len(submissions)} submissions ({skipped} already graded, skipped); results in {out}; scores in {args.csv}")
    return 0


def _audit(args: argparse.Namespace) -> int:
    from autograder.commands.audit.run import audit
    from autograder.grading import rubric

    assignments = args.assignment or [p.stem for p in sorted(rubric.rubric_dir().glob("*.yaml"))]
    if args.rubric and len(assignments) != 1:
        print("error: --rubric goes with one assignment id", file=sys.stderr)
        return 2
    reports, ok = [], True
    for assignment in assignments:
        try:
            result = audit(assignment, args.rubric, set(args.function or ()) or None, progress=not args.quiet,
                           sandbox_user=args.sandbox_user)
        except YamlError as exc:
            return _rubric_error(exc)
        reports.append(result)
        calibration = result.calibration
        print(f"{result.assignment}: reference {calibration.reference_score:g} / {result.total:g}, stubs {calibration.stub_score:g}")
        for m in calibration.mistakes:
            print(f"  mistake {m['function']}:{m['mistake']}: loses {', '.join(m['lost']) or 'nothing'}"
                  + ("" if m["ok"] else "   <- PROBLEM"))
        if result.survivors:
            print("\n| item | surviving mutants |\n|---|---|")
            for item, survivors in sorted(result.survivors.items()):
                print(f"| {item} | " + "; ".join(f"{s.function}:{s.line} {s.change}" for s in survivors) + " |")
        if result.uncovered:
            print("\n| item | what no case reaches (branches, operation regimes, declared regimes); global rules not checked |"
                  "\n|---|---|")
            for item, regimes in sorted(result.uncovered.items()):
                print(f"| {item} | " + "; ".join(regimes) + " |")
        ok &= calibration.ok(result.total) and result.kill_rate >= args.target and not result.uncovered
        print()
    print("| assignment | calibration | mutants | equivalent | killed | kill rate | surviving | unreached |\n"
          "|---|---|---|---|---|---|---|---|")
    for r in reports:
        survivors = len({(s.function, s.line, s.change) for group in r.survivors.values() for s in group})
        unreached = len({regime for regimes in r.uncovered.values() for regime in regimes})
        print(f"| {r.assignment} | {'ok' if r.calibration.ok(r.total) else 'FAILS'} | {r.mutants} | {len(r.equivalents)} | "
              f"{r.killed} | {100 * r.kill_rate:.1f} % | {survivors} | {unreached} |")
    if args.json:
        args.json.write_text(json.dumps({r.assignment: r.to_json() for r in reports}, indent=2))
    return 0 if ok else 1


def _build(args: argparse.Namespace) -> int:
    from autograder.commands import build
    from autograder.grading import rubric

    try:
        paths = build.build(args.assignment, args.out)
    except YamlError as exc:
        return _rubric_error(exc)
    for path in paths:
        print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if getattr(args, "course", None) is not None:
        from autograder import course

        course.use(args.course)
    if args.command == "list":
        return _list(args)
    if args.command == "validate":
        return _validate(args)
    if args.command == "build":
        return _build(args)
    if args.command == "batch":
        return _batch(args)
    if args.command == "audit":
        return _audit(args)
    if args.command == "docker-base":
        from autograder.commands import docker_base

        print(f"made {args.tag} ({docker_base.build(args.tag, suite=args.suite, mirror=args.mirror, wheels=args.wheels)})")
        return 0
    if args.command == "gradescope":
        from autograder.commands import gradescope

        return gradescope.run(args.root)
    if args.command == "check":
        return _check(args)
    return _grade(args)
