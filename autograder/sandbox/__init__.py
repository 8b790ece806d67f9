"""The sandbox: the only place student code runs, and everything that confines it or talks to it.

Student code runs in a *worker*: on Linux (Gradescope) a process forked from the *zygote*
and confined before it imports anything of the student's; where the zygote cannot run (a
student's macOS or Windows machine) a fresh interpreter, a separate process with deadlines
and nothing to protect.  What runs where:

in a worker (student code can reach these modules' objects in its own memory; nothing in
them is secret and nothing they compute is trusted):
    worker.py    the request loop: imports and runs student code (any operating system)
    forked.py    a fork of the zygote becoming a confined worker (Linux)
    spawned.py   a fresh interpreter becoming a worker (anywhere)
    confine.py   the confinement layers: session, rlimits, uid drop, no_new_privs, seccomp, Landlock
    capture.py   the worker's stdout/stderr, capped per call
    startup.py   torch set up quietly, before any fork (also in the grader)
    wire.py      the frame format and the arena (also used by the grader)
    callables.py inputs that are functions (the VampPrior encoder), rebuilt in the worker
    procfs.py    /proc/self/status, where there is one

in the zygote (root, forked before any rubric, reference or input exists):
    zygote.py    the fork server: wipes its environment, spawns workers, kills every sandbox process
                 and removes its IPC objects on request; the grader's handle opens channels to its forks

in the grader (never imports student code, never trusts a byte a worker sends):
    accounts.py  the sandbox account a run leases for its life (a flock), created where missing
    client.py    imports and calls into a worker under deadlines, nonces on every reply, inputs in the
                 arena, the disk watch; turns what happened into `CallOutcome`s
    channel.py   the bytes to and from one worker, every read and write ending by its deadline
    spawner.py   starts spawned workers, and their thread-based channel
    cleanup.py   what a submission leaves behind, measured and removed without recursion
    exposure.py  what the grader's own files and process expose to the sandbox user
"""
