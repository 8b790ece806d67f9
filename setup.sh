#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
# It installs the grader into its own virtual environment (never touching the system
# python3), with CPU-only PyTorch, creates the unprivileged sandbox user, and locks the
# grader's files away from it.  Safe to run twice.
#
# Environment (all optional):
#   AUTOGRADER_VENV          where the virtual environment goes   (/opt/gm-autograder/venv)
#   AUTOGRADER_PYTHON        interpreter the venv is made from    (/usr/bin/python3)
#   AUTOGRADER_SANDBOX_USER  the account student code runs as     (gm-sandbox)
#   AUTOGRADER_DEV=1         developer install: editable, with test extras, source left unlocked
set -euo pipefail

main() {
    local source_dir venv python user
    source_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
    venv="${AUTOGRADER_VENV:-/opt/gm-autograder/venv}"
    python="${AUTOGRADER_PYTHON:-/usr/bin/python3}"
    user="${AUTOGRADER_SANDBOX_USER:-gm-sandbox}"
    umask 022

    if ! "$python" -c 'import sys, venv, ensurepip; assert sys.version_info >= (3, 10)' 2>/dev/null; then
        if [ "$(id -u)" -ne 0 ]; then
            echo "setup.sh: $python with venv (Python >= 3.10) is required; run as root to install it" >&2
            exit 1
        fi
        echo "setup.sh: installing python3 and python3-venv"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q
        apt-get install -y -q --no-install-recommends python3 python3-venv
        python=/usr/bin/python3
    fi

    if ! "$venv/bin/python" -c 'import sys' 2>/dev/null; then
        echo "setup.sh: creating $venv"
        "$python" -m venv "$venv"
    fi
    local pip=("$venv/bin/python" -m pip install --quiet --disable-pip-version-check)
    # CPU-only PyTorch: the +cpu local version exists only on PyTorch's CPU index (and local
    # wheel mirrors), so this can never pull the multi-GB CUDA build.  Its dependencies come
    # from the default index with the rest (torch==2.13.0 in requirements.txt is then satisfied).
    # The wheel must fit the venv's interpreter (cpXY) and platform; where none does, say which.
    if ! "$venv/bin/python" -c 'import torch' 2>/dev/null &&
        ! "${pip[@]}" --no-deps --only-binary=:all: --extra-index-url https://download.pytorch.org/whl/cpu "torch==2.13.0+cpu"; then
        local wanted
        wanted="$("$venv/bin/python" -c 'import sys, sysconfig; t = "cp%d%d" % sys.version_info[:2]; print("torch-2.13.0+cpu-%s-%s-*_%s.whl" % (t, t, sysconfig.get_platform().split("-")[-1]))')"
        echo "setup.sh: no CPU wheel of torch 2.13.0 for $("$venv/bin/python" -V 2>&1) ($python, in $venv):" \
             "looked for $wanted on https://download.pytorch.org/whl/cpu and in pip's find-links." \
             "Use an interpreter that wheel exists for: AUTOGRADER_PYTHON=/path/to/python3 bash setup.sh" >&2
        exit 1
    fi
    if [ "${AUTOGRADER_DEV:-0}" = 1 ]; then
        "${pip[@]}" -e "$source_dir[test]"
    else
        "${pip[@]}" -r "$source_dir/requirements.txt"
    fi
    # Packages the rubric lets student code import besides torch and numpy (`student_packages:`; `build` writes them).
    if [ -s "$source_dir/student-requirements.txt" ]; then
        "${pip[@]}" -r "$source_dir/student-requirements.txt"
    fi
    chmod -R a+rX "$venv"

    if [ "$(id -u)" -eq 0 ]; then
        # A pool of accounts, one leased by each grading running at once (autograder/sandbox/accounts.py);
        # a grading run as root creates more when all are leased.
        local account
        for account in "$user" "$user-1" "$user-2" "$user-3"; do
            if ! id -u "$account" >/dev/null 2>&1; then
                echo "setup.sh: creating sandbox user $account"
                useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$account"
            fi
        done
        if [ "${AUTOGRADER_DEV:-0}" != 1 ]; then
            # The reference, the rubrics and the tests: root only.
            chown -R root:root "$source_dir"
            chmod -R go-rwx "$source_dir"
        fi
    else
        echo "setup.sh: not root: no sandbox user; student code will run as $(id -un) (fine for a local check)" >&2
    fi
    echo "setup.sh: ready ($("$venv/bin/python" -c 'import torch; print("torch", torch.__version__)' 2>/dev/null))"
}

main "$@"; exit
