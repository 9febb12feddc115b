# SPDX-License-Identifier: BSD-2-Clause
"""wirecat trace keeps a one-thread program's hand-overs on one CPU
(src/core/ptrace_pin.c): while the program makes socket calls, the tracer's
thread runs on the program's CPU as SCHED_IDLE, so that resuming the program
wakes no other CPU. These cases check that it happens (the tracer thread's
policy and mask, read from /proc while the program runs), that the program's
own affinity, policy and priority never change (it checks them after every
call), that --no-pin and a second thread leave the tracer alone, and that
the tracer takes its normal priority back when other work keeps the CPUs
busy (else the program would crawl). All traffic is on 127.0.0.1."""
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wtest import SLOW, Skip, case, main, WIRECAT  # noqa: E402

PY = "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else sys.executable
SCHED_IDLE = 5  # the policy field of /proc/PID/task/TID/stat

# The program: up to N sendto() on a UDP socket of its own; after each, its
# affinity, policy and priority must be those it started with and it must
# run on a CPU of its mask. It prints "ready" after 200 calls; with THREAD
# "1" a second thread sleeps meanwhile; with PAUSE it sleeps that long after
# each call; it stops when the file STOP exists and prints "calls C bad B".
PROG = r"""
import os, socket, sys, threading, time
n, stop, thread = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "1"
pause = float(sys.argv[4]) if len(sys.argv) > 4 else 0
if thread:
    threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
want = (os.sched_getaffinity(0), os.sched_getscheduler(0), os.getpriority(os.PRIO_PROCESS, 0))
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); r.bind(("127.0.0.1", 0))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); dst = r.getsockname()
bad = calls = 0
for i in range(n):
    s.sendto(b"x", dst)
    calls += 1
    if pause:
        time.sleep(pause)
    if (os.sched_getaffinity(0), os.sched_getscheduler(0),
            os.getpriority(os.PRIO_PROCESS, 0)) != want:
        bad += 1
    with open("/proc/thread-self/stat") as f:
        if int(f.read().rsplit(")", 1)[1].split()[36]) not in want[0]:
            bad += 1
    if i == (20 if pause else 200):
        print("ready", flush=True)
    if i % 100 == 0 and os.path.exists(stop):
        break
print("calls %d bad %d" % (calls, bad), flush=True)
"""


def cpus():
    return sorted(os.sched_getaffinity(0))


def sched_of(pid):
    """(policy, set of allowed CPUs) of wirecat's main thread, or None."""
    try:
        with open("/proc/%d/task/%d/stat" % (pid, pid)) as f:
            policy = int(f.read().rsplit(")", 1)[1].split()[38])
        with open("/proc/%d/task/%d/status" % (pid, pid)) as f:
            for ln in f:
                if ln.startswith("Cpus_allowed_list:"):
                    return policy, parse_list(ln.split(":", 1)[1].strip())
    except (OSError, ValueError, IndexError):
        return None
    return None


def parse_list(text):
    got = set()
    for part in text.split(","):
        a, _, b = part.partition("-")
        got.update(range(int(a), int(b or a) + 1))
    return got


def watch(opts=(), thread=False, seconds=3.0, pause=0, pre=()):
    """Runs PROG under wirecat trace; once it says ready, samples the main
    thread's scheduling every 10 ms for up to `seconds` (until it is seen
    held: SCHED_IDLE on one CPU), then lets the program end. Returns (the
    samples, program's stdout, exit status, stderr)."""
    d = tempfile.mkdtemp(prefix="wpin")
    stop = os.path.join(d, "stop")
    cmd = list(pre) + [WIRECAT, "trace", "--no-packets", "-o", os.devnull] + list(opts) + \
        ["--", PY, "-c", PROG, "10000000", stop, "1" if thread else "0", str(pause)]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seen = []
    try:
        first = p.stdout.readline()
        assert first == b"ready\n", (first, p.stderr.read())
        end = time.monotonic() + seconds * SLOW
        while time.monotonic() < end:
            s = sched_of(p.pid)
            if s:
                seen.append(s)
                if s[0] == SCHED_IDLE and len(s[1]) == 1:
                    break
            time.sleep(0.01)
        open(stop, "w").close()
        out, err = p.communicate(timeout=30 * SLOW)
        return seen, first + out, p.returncode, err
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        if os.path.exists(stop):
            os.unlink(stop)
        os.rmdir(d)


def result(out):
    """(calls, bad) from the program's last line."""
    last = out.decode().split()
    assert len(last) >= 4 and last[-4] == "calls" and last[-2] == "bad", out
    return int(last[-3]), int(last[-1])


def need_pin():
    if len(cpus()) < 2:
        raise Skip("needs two CPUs to choose from")
    if os.geteuid() != 0:
        raise Skip("the tracer holds a CPU only with CAP_SYS_NICE (run as root)")


@case
def the_tracer_waits_next_to_the_program_which_keeps_its_own_scheduling():
    need_pin()
    seen, out, rc, err = watch()
    assert rc == 0, err
    calls, bad = result(out)
    assert calls > 200 and bad == 0, out
    held = [s for s in seen if s[0] == SCHED_IDLE and len(s[1]) == 1]
    assert held, ("the tracer was never seen held on one CPU", seen[:5], len(seen))
    assert held[0][1] <= set(cpus()), held[0]


@case
def no_pin_a_second_thread_and_few_calls_leave_the_tracer_alone():
    need_pin()
    full = set(cpus())
    for opts, thread, pause in ((["--no-pin"], False, 0), ([], True, 0), ([], False, 0.01)):
        seen, out, rc, err = watch(opts, thread, seconds=0.6, pause=pause)
        assert rc == 0, err
        calls, bad = result(out)
        assert calls > 20 and bad == 0, out
        assert len(seen) > 10 and all(s == (0, full) for s in seen), (opts, thread, seen[:5])


@case
def a_tracer_started_with_another_policy_keeps_it():
    """wirecat run under `chrt -b 0` (SCHED_BATCH) is left as the user
    started it: held and released, it would come back as SCHED_OTHER."""
    need_pin()
    seen, out, rc, err = watch(seconds=0.6, pre=["chrt", "-b", "0"])
    assert rc == 0, err
    calls, bad = result(out)
    assert calls > 200 and bad == 0, out
    SCHED_BATCH = 3
    assert len(seen) > 10 and all(s[0] == SCHED_BATCH for s in seen), seen[:5]


def timed(opts, n):
    t0 = time.monotonic()
    p = subprocess.run([WIRECAT, "trace", "--no-packets", "-o", os.devnull] + list(opts) +
                       ["--", PY, "-c", PROG, str(n), "/nonexistent/stop", "0"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120 * SLOW)
    assert p.returncode == 0 and result(p.stdout) == (n, 0), (p.stdout, p.stderr)
    return time.monotonic() - t0


@case
def busy_cpus_give_the_tracer_its_priority_back():
    """With every CPU kept busy by other work, a SCHED_IDLE tracer would get
    almost no CPU time and the program would crawl (~2 ms a call here, 20x
    slower than --no-pin); the tracer notices its waiting and goes back to
    its normal policy."""
    need_pin()
    hogs = [subprocess.Popen([PY, "-c", "import time\nt=time.monotonic()+60\n"
                              "while time.monotonic()<t: pass"]) for _ in cpus()]
    try:
        time.sleep(0.2)
        base = timed(["--no-pin"], 8000)
        held = timed([], 8000)
    finally:
        for h in hogs:
            h.kill()
            h.wait()
    assert held < 2.5 * base + 1.0, ("held %.2f s, --no-pin %.2f s" % (held, base))


if __name__ == "__main__":
    main()
