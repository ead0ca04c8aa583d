#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: xsplice_patch
short_description: Apply, revert or verify an xsplice live patch in running processes
version_added: "0.1.0"
description:
  - Runs C(xsplice) on the managed host over the selected processes (one transaction per process) with C(--json),
    and reports what it did.
  - The task is C(changed) only when xsplice applied or reverted the payload in at least one process. A process in
    which the state already holds (the payload already applied, or not applied when reverting) is C(ok).
  - The task fails when xsplice refused any selected process (the message is xsplice's own; the other processes
    keep what was done to them, which the return value lists), on bad input (an unreadable or malformed payload, a
    bad selector), or when xsplice reports a process that may be inconsistent.
  - In check mode the module runs xsplice with C(--dry-run), which checks everything and writes nothing; C(changed)
    then says whether a real run would change a process.
  - xsplice must be installed on the managed host, and the module must run as root (xsplice uses ptrace).
requirements:
  - xsplice on the managed host
options:
  payload:
    description:
      - Path on the managed host of the payload file (C(.xsp)).
      - Required with O(state=applied) and O(state=verified). With O(state=reverted) it names the payload to take out
        when O(name) is not given.
    type: path
  name:
    description:
      - With O(state=reverted), the applied payload's name or ID (a prefix of 8 or more hex digits), as
        C(xsplice revert) takes it. Defaults to the name recorded in O(payload).
    type: str
  state:
    description:
      - V(applied) applies the payload where it is not applied yet.
      - V(reverted) takes the payload out where it is applied.
      - V(verified) only verifies (never writes, never C(changed)); fails if a selected process holds code the
        payload does not accept.
    type: str
    choices: [applied, reverted, verified]
    default: applied
  pid:
    description: One process.
    type: int
  pids:
    description: These processes.
    type: list
    elements: int
  exe:
    description: Every process running this executable.
    type: path
  cgroup:
    description: Every process in this cgroup v2 (for example C(system.slice/nginx.service)).
    type: str
  all:
    description:
      - Every process on the host; those that do not map the payload's module, or run another build of it, are
        skipped and never written.
    type: bool
    default: false
  fail_on_skipped:
    description:
      - Fail when xsplice skipped a selected process for any reason other than the payload not being applied there
        (with O(state=reverted), that is the state asked for). A process is skipped when it does not map the
        payload's module, runs another build of it, or is gone.
      - Defaults to V(true) with O(pid) or O(pids) (a process named on purpose must end in the state asked for),
        and to V(false) with O(exe), O(cgroup) and O(all).
    type: bool
  timeout:
    description: Seconds xsplice keeps retrying, per process, while a function to change is busy.
    type: float
    default: 5
  wait_return:
    description: Let threads busy in the code run until they return out of it, then check again (C(--wait-return)).
    type: bool
    default: false
  workers:
    description: Worker processes at a time (C(--workers)); the xsplice default when not given.
    type: int
  trust:
    description:
      - Trusted public keys (PEM) on the managed host (C(--trust)), for O(state=applied) and O(state=verified). With
        any trusted key, unsigned or badly signed payloads are refused. Keys of the host's trust policy directory are
        always trusted. A revert names an applied payload and reads no payload file, so it checks no signature.
    type: list
    elements: path
    default: []
  xsplice:
    description: The xsplice binary; searched in C(PATH) when not a path.
    type: str
    default: xsplice
attributes:
  check_mode:
    support: full
    details: Runs xsplice with C(--dry-run), which writes nothing.
  diff_mode:
    support: none
notes:
  - Each process is its own transaction. A refusal in one process never touches another, so a failed task may still
    have changed the processes listed with RV(processes[].result=applied).
author:
  - xsplice project
"""

EXAMPLES = r"""
- name: Apply the libxml2 fix to every process of the service
  xsplice.live.xsplice_patch:
    payload: /var/lib/xsplice/patches/libxml2-cve.xsp
    cgroup: system.slice/myapp.service
    trust: [/etc/xsplice/vendor.pub]

- name: Apply a fix to one process, waiting up to 10 s for busy functions
  xsplice.live.xsplice_patch:
    payload: /srv/fix.xsp
    pid: "{{ app_pid | int }}"
    timeout: 10

- name: Take the fix out of every process that has it
  xsplice.live.xsplice_patch:
    name: fix
    state: reverted
    all: true

- name: Check that the fix is applied, without writing
  xsplice.live.xsplice_patch:
    payload: /srv/fix.xsp
    exe: /usr/sbin/myapp
    state: verified
  register: v
- ansible.builtin.assert:
    that: v.processes | rejectattr('before', 'equalto', 'applied') | list | length == 0
"""

RETURN = r"""
processes:
  description: One entry per selected process, as xsplice reported it.
  returned: when xsplice ran the batch
  type: list
  elements: dict
  contains:
    pid:
      description: The process.
      type: int
    exe:
      description: Its executable.
      type: str
    result:
      description:
        - V(applied), V(reverted), V(verified), V(unchanged) (the state already held), V(would-apply) or
          V(would-revert) (check mode), V(skipped) (never written), V(refused) (left unchanged) or V(inconsistent).
      type: str
    before:
      description: The payload's state in the process before (V(virgin), V(applicable), V(applied), V(not applied),
        V(foreign), V(absent), V(conflict)).
      type: str
    after:
      description: The payload's state after.
      type: str
    pause_us:
      description: How long the process was stopped to write, in microseconds.
      type: int
    reason:
      description: Why it was unchanged, skipped or refused, in xsplice's words.
      type: str
  sample:
    - {pid: 4242, exe: /usr/sbin/myapp, result: applied, before: virgin, after: applied, pause_us: 180}
summary:
  description: xsplice's summary object (counts by result, wall time, the exit code it implies).
  returned: when xsplice ran the batch
  type: dict
  sample: {operation: apply, processes: 3, changed: 2, unchanged: 1, refused: 0, skipped: 0, exit: 0}
cmd:
  description: The xsplice command line that ran.
  returned: always
  type: list
  elements: str
rc:
  description: xsplice's exit code (0 done or the state holds, 1 refused, 2 bad input, 3 may be inconsistent).
  returned: when xsplice ran
  type: int
stderr:
  description: What xsplice printed on standard error.
  returned: when xsplice ran
  type: str
"""

import json

from ansible.module_utils.basic import AnsibleModule

SELECTORS = ("pid", "pids", "exe", "cgroup", "all")
CHANGED = ("applied", "reverted")
WOULD_CHANGE = ("would-apply", "would-revert")
# Revert skips these processes because the payload is not there: the state
# asked for already holds.
NOT_APPLIED = ("not applied", "no payloads")


def selector_arguments(p):
    if p["pid"] is not None:
        return ["--pids", str(p["pid"])]
    if p["pids"]:
        return ["--pids", ",".join(str(x) for x in p["pids"])]
    if p["exe"]:
        return ["--exe", p["exe"]]
    if p["cgroup"]:
        return ["--cgroup", p["cgroup"]]
    return ["--all"]


def parse_json_lines(stdout):
    """The per-process objects and the summary object; other lines are not
    xsplice's JSON output and are ignored."""
    processes, summary = [], None
    for line in stdout.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if not isinstance(obj, dict):
            continue
        if obj.get("summary") is True:
            summary = obj
        elif "pid" in obj and "result" in obj:
            processes.append(obj)
    return processes, summary


def last_message(stderr):
    lines = [line for line in stderr.splitlines() if line.strip()]
    if not lines:
        return ""
    text = "\n".join(lines[-5:])
    return text[len("xsplice: "):] if text.startswith("xsplice: ") else text


def payload_name(module, binary, path):
    rc, out, err = module.run_command([binary, "inspect", "--json", path])
    if rc != 0:
        module.fail_json(msg="cannot read the payload's name: %s" % (last_message(err) or out), rc=rc,
                         cmd=[binary, "inspect", "--json", path], stderr=err)
    try:
        name = json.loads(out).get("name")
    except (ValueError, AttributeError):
        name = None
    if not isinstance(name, str) or not name:
        module.fail_json(msg="xsplice inspect --json %s printed no payload name" % path, stdout=out)
    return name


def skipped_against_state(processes, state):
    out = []
    for p in processes:
        if p.get("result") != "skipped":
            continue
        if state == "reverted" and p.get("reason") in NOT_APPLIED:
            continue
        out.append(p)
    return out


def describe(p):
    return "%s (%s): %s" % (p.get("pid"), p.get("exe", "?"), p.get("reason") or p.get("result"))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            payload=dict(type="path"),
            name=dict(type="str"),
            state=dict(type="str", default="applied", choices=["applied", "reverted", "verified"]),
            pid=dict(type="int"),
            pids=dict(type="list", elements="int"),
            exe=dict(type="path"),
            cgroup=dict(type="str"),
            all=dict(type="bool", default=False),
            fail_on_skipped=dict(type="bool"),
            timeout=dict(type="float", default=5),
            wait_return=dict(type="bool", default=False),
            workers=dict(type="int"),
            trust=dict(type="list", elements="path", default=[]),
            xsplice=dict(type="str", default="xsplice"),
        ),
        mutually_exclusive=[SELECTORS],
        required_one_of=[SELECTORS],
        required_if=[
            ("state", "applied", ("payload",)),
            ("state", "verified", ("payload",)),
            ("state", "reverted", ("payload", "name"), True),
        ],
        supports_check_mode=True,
    )
    p = module.params
    if p["all"] is False and not any(p[k] not in (None, []) for k in SELECTORS if k != "all"):
        module.fail_json(msg="select the processes: one of pid, pids, exe, cgroup or all=true")
    if p["pids"] is not None and not p["pids"]:
        module.fail_json(msg="pids is empty; give at least one PID")

    binary = p["xsplice"]
    if "/" not in binary:
        binary = module.get_bin_path(binary, required=True)

    state = p["state"]
    op = {"applied": "apply", "reverted": "revert", "verified": "verify"}[state]
    cmd = [binary, op] + selector_arguments(p) + ["--json"]
    if state != "verified":
        cmd += ["--timeout", str(p["timeout"])]
        if p["wait_return"]:
            cmd.append("--wait-return")
        if module.check_mode:
            cmd.append("--dry-run")
    if p["workers"] is not None:
        cmd += ["--workers", str(p["workers"])]
    if state != "reverted":
        for key in p["trust"]:
            cmd += ["--trust", key]
    if state == "reverted":
        cmd.append(p["name"] or payload_name(module, binary, p["payload"]))
    else:
        cmd.append(p["payload"])

    rc, out, err = module.run_command(cmd)
    processes, summary = parse_json_lines(out)
    changed = any(x.get("result") in CHANGED for x in processes)
    if module.check_mode:
        changed = changed or any(x.get("result") in WOULD_CHANGE for x in processes)
    result = dict(changed=changed, cmd=cmd, rc=rc, stderr=err, processes=processes, summary=summary)

    if summary is None:
        # xsplice stopped before the batch (bad input, an untrusted payload):
        # nothing was written, and its message says why.
        result["changed"] = False
        module.fail_json(msg=last_message(err) or "xsplice exited %d without a result" % rc, **result)

    inconsistent = [x for x in processes if x.get("result") == "inconsistent"]
    if rc == 3 or inconsistent:
        module.fail_json(msg="xsplice reports processes that may be inconsistent: "
                         + "; ".join(describe(x) for x in inconsistent), **result)
    refused = [x for x in processes if x.get("result") == "refused"]
    if rc != 0 or refused:
        done = sum(1 for x in processes if x.get("result") in CHANGED)
        msg = "xsplice refused %d of %d processes: %s" % (len(refused), len(processes),
                                                          "; ".join(describe(x) for x in refused))
        if done:
            msg += " (%d other processes were changed and stay so)" % done
        if not refused:
            msg = last_message(err) or "xsplice exited %d" % rc
        module.fail_json(msg=msg, **result)

    fail_on_skipped = p["fail_on_skipped"]
    if fail_on_skipped is None:
        fail_on_skipped = p["pid"] is not None or bool(p["pids"])
    skipped = skipped_against_state(processes, state)
    if fail_on_skipped and skipped:
        module.fail_json(msg="xsplice skipped %d selected processes: %s" % (
            len(skipped), "; ".join(describe(x) for x in skipped)), **result)

    counts = {}
    for x in processes:
        counts[x.get("result")] = counts.get(x.get("result"), 0) + 1
    result["msg"] = "%s: %s" % (op, ", ".join("%d %s" % (n, r) for r, n in sorted(counts.items())) or
                                "no processes selected")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
