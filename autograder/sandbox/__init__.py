"""The sandbox: the only place student code runs, and everything that confines it or talks to it.

Student code runs in a *worker*, a process forked from the *zygote* and confined before it
imports anything of the student's.  What runs where:

in the worker (student code can reach these modules' objects in its own memory; nothing in
them is secret and nothing they compute is trusted):
    worker.py    becomes a worker (confinement, then the request loop), imports and runs student code
    confine.py   the confinement layers: session, rlimits, uid drop, no_new_privs, seccomp, Landlock
    capture.py   the worker's stdout/stderr, capped per call
    wire.py      the frame format and the arena (also used by the grader)
    callables.py inputs that are functions (the VampPrior encoder), rebuilt in the worker

in the zygote (root, forked before any rubric, reference or input exists):
    zygote.py    the fork server: wipes its environment, spawns workers, kills every sandbox process
                 and removes its IPC objects on request

in the grader (never imports student code, never trusts a byte the worker sends):
    client.py    imports and calls into a worker under deadlines, nonces on every reply, inputs in the
                 arena, the disk watch; turns what happened into `CallOutcome`s
    cleanup.py   what a submission leaves behind, measured and removed without recursion
    exposure.py  what the grader's own files and process expose to the sandbox user
"""
