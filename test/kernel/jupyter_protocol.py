"""Drives the s3lab kernel with jupyter_client and checks every message against Jupyter's
messaging spec (5.3): header fields, parent_header, the content keys of each msg_type, status
busy/idle around every request, and the execute semantics (execution_count, execute_input,
execute_result, error, stop_on_error, interrupt).

Usage: /usr/bin/python3 jupyter_protocol.py CWD TYPESCRIPT_VERSION OUT.json
JUPYTER_PATH must reach the s3lab kernelspec. Exits 1 with the failed check on stderr;
writes the names of the checks that passed (and a few measured values) to OUT.json.
"""
import datetime
import json
import re
import sys
import time

from jupyter_client.manager import KernelManager

cwd, typescript_version, out = sys.argv[1:4]
passed = []
measured = {}


class SpecError(AssertionError):
    pass


def check(condition, what):
    if not condition:
        raise SpecError(what)


# ---- the spec: required fields of every message and of each msg_type's content ----

HEADER = {"msg_id": str, "session": str, "username": str, "date": (str, datetime.datetime), "msg_type": str, "version": str}
MIME_BUNDLE = {"data": dict, "metadata": dict}
CONTENT = {
    "status": {"execution_state": str},
    "execute_input": {"code": str, "execution_count": int},
    "execute_result": {"execution_count": int, **MIME_BUNDLE},
    "display_data": MIME_BUNDLE,
    "update_display_data": {**MIME_BUNDLE, "transient": dict},
    "stream": {"name": str, "text": str},
    "error": {"ename": str, "evalue": str, "traceback": list},
    "execute_reply": {"status": str, "execution_count": int},
    "kernel_info_reply": {
        "status": str, "protocol_version": str, "implementation": str, "implementation_version": str,
        "language_info": dict, "banner": str, "help_links": list,
    },
    "is_complete_reply": {"status": str},
    "complete_reply": {"status": str, "matches": list, "cursor_start": int, "cursor_end": int, "metadata": dict},
    "inspect_reply": {"status": str, "found": bool, "data": dict, "metadata": dict},
    "history_reply": {"status": str, "history": list},
    "comm_info_reply": {"status": str, "comms": dict},
    "interrupt_reply": {"status": str},
    "shutdown_reply": {"status": str, "restart": bool},
}
ERROR_FIELDS = {"ename": str, "evalue": str, "traceback": list}


def has_fields(obj, fields, where):
    for key, kind in fields.items():
        check(key in obj, f"{where}: missing {key!r} in {obj!r}")
        check(isinstance(obj[key], kind) and not (kind is int and isinstance(obj[key], bool)), f"{where}: {key!r} is {obj[key]!r}, not {kind}")


def validate(msg, request=None):
    """Checks a message's envelope and its content's required keys; returns the content."""
    kind = msg["header"].get("msg_type")
    has_fields(msg["header"], HEADER, f"{kind} header")
    check(msg["header"]["version"] == "5.3", f"{kind}: header version {msg['header']['version']!r}")
    check(msg["header"]["msg_type"] == msg["msg_type"], f"{kind}: msg_type differs from the header's")
    check(isinstance(msg["metadata"], dict), f"{kind}: metadata is not a dict")
    check(isinstance(msg["parent_header"], dict), f"{kind}: parent_header is not a dict")
    if request is not None:
        parent = msg["parent_header"]
        check(parent.get("msg_id") == request["header"]["msg_id"], f"{kind}: parent_header is not the request's header")
        check(parent.get("msg_type") == request["header"]["msg_type"] and parent.get("session") == request["header"]["session"], f"{kind}: parent_header fields differ from the request's")
    content = msg["content"]
    check(kind in CONTENT, f"unexpected msg_type {kind!r}")
    has_fields(content, CONTENT[kind], kind)
    if kind == "status":
        check(content["execution_state"] in ("busy", "idle", "starting"), f"status {content}")
    if kind in ("execute_result", "display_data", "update_display_data"):
        check(isinstance(content["data"].get("text/plain"), str), f"{kind}: no text/plain in {content['data']}")
    if kind == "update_display_data":
        check(isinstance(content["transient"].get("display_id"), str), f"{kind}: transient has no display_id")
    if kind == "stream":
        check(content["name"] in ("stdout", "stderr"), f"stream name {content['name']!r}")
    if kind == "error":
        check(all(isinstance(line, str) for line in content["traceback"]), "error traceback is not a list of str")
    if kind == "is_complete_reply":
        check(content["status"] in ("complete", "incomplete", "invalid", "unknown"), f"is_complete status {content}")
        check(("indent" in content) == (content["status"] == "incomplete"), f"indent only when incomplete: {content}")
    elif kind.endswith("_reply"):
        status = content["status"]
        check(status in ("ok", "error", "aborted"), f"{kind}: status {status!r}")
        if status == "error":
            has_fields(content, ERROR_FIELDS, f"{kind} (error)")
        if kind == "execute_reply" and status == "ok":
            has_fields(content, {"payload": list, "user_expressions": dict}, "execute_reply (ok)")
    return content


# ---- a client that collects each request's reply and IOPub messages ----

km = KernelManager(kernel_name="s3lab")
km.start_kernel(cwd=cwd)
kc = km.client()
kc.start_channels()
kc.wait_for_ready(timeout=120)
pending_replies = {}


def reply_to(msg_id, channel="shell", timeout=60):
    while msg_id not in pending_replies:
        msg = (kc.get_control_msg if channel == "control" else kc.get_shell_msg)(timeout=timeout)
        validate(msg)
        pending_replies[msg["parent_header"].get("msg_id")] = msg
    return pending_replies.pop(msg_id)


iopub_by_parent = {}


def iopub_of(msg_id, timeout=30):
    """The IOPub messages of one request, from its busy to its idle status."""
    while True:
        messages = iopub_by_parent.get(msg_id, [])
        if any(m["msg_type"] == "status" and m["content"]["execution_state"] == "idle" for m in messages):
            return iopub_by_parent.pop(msg_id)
        msg = kc.get_iopub_msg(timeout=timeout)
        validate(msg)
        iopub_by_parent.setdefault(msg["parent_header"].get("msg_id"), []).append(msg)


def request(channel, msg_type, content):
    msg = kc.session.msg(msg_type, content)
    getattr(kc, f"{channel}_channel").send(msg)
    return msg


def roundtrip(msg_type, content, channel="shell"):
    """Sends a request; returns its validated reply content and IOPub messages (busy first, idle last)."""
    req = request(channel, msg_type, content)
    reply = reply_to(req["header"]["msg_id"], channel)
    validate(reply, req)
    check(reply["msg_type"] == msg_type.replace("_request", "_reply"), f"{msg_type} answered by {reply['msg_type']}")
    iopub = iopub_of(req["header"]["msg_id"])
    for m in iopub:
        validate(m, req)
    states = [m["content"]["execution_state"] for m in iopub if m["msg_type"] == "status"]
    check(states == ["busy", "idle"] and iopub[0]["msg_type"] == "status" and iopub[-1]["msg_type"] == "status", f"{msg_type}: status around it was {states}")
    return reply["content"], iopub, reply


def execute(code, **options):
    content = {"code": code, "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False, "stop_on_error": True, **options}
    return roundtrip("execute_request", content)


def of_type(iopub, kind):
    return [m["content"] for m in iopub if m["msg_type"] == kind]


def passes(name):
    passed.append(name)


def when(msg):
    date = msg["header"]["date"]
    return date if isinstance(date, datetime.datetime) else datetime.datetime.fromisoformat(date.replace("Z", "+00:00"))


def elapsed(text):
    match = re.search(r"(\d+\.\d) s$", text)
    check(match, f"no elapsed time in {text!r}")
    return float(match.group(1))


try:
    # kernel_info: complete, with the TypeScript that compiles cells.
    info, _, _ = roundtrip("kernel_info_request", {})
    check(info["status"] == "ok" and info["protocol_version"] == "5.3", f"kernel_info {info}")
    check(info["implementation"] == "s3lab" and re.match(r"^\d+\.\d+\.\d+", info["implementation_version"]), f"implementation {info}")
    language = info["language_info"]
    has_fields(language, {"name": str, "version": str, "mimetype": str, "file_extension": str}, "language_info")
    check(language["name"] == "typescript" and language["file_extension"] == ".ts", f"language_info {language}")
    check(language["mimetype"] in ("text/x.typescript", "application/x-typescript"), f"mimetype {language['mimetype']}")
    check(language["version"] == typescript_version, f"language_info.version {language['version']} is not the compiler's {typescript_version}")
    check(info["banner"] != "" and all(set(link) >= {"text", "url"} for link in info["help_links"]) and info["help_links"], "banner / help_links")
    measured["kernel_info"] = info
    passes("kernel_info")

    # A last expression: execute_input, then execute_result with the same execution_count.
    reply, iopub, _ = execute("const answer: number = 6 * 7;\nanswer")
    n = reply["execution_count"]
    check(reply["status"] == "ok", f"reply {reply}")
    check(of_type(iopub, "execute_input") == [{"code": "const answer: number = 6 * 7;\nanswer", "execution_count": n}], f"execute_input {iopub}")
    check([m["msg_type"] for m in iopub].index("execute_input") == 1, "execute_input comes first after busy")
    results = of_type(iopub, "execute_result")
    check(len(results) == 1 and results[0]["execution_count"] == n and results[0]["data"]["text/plain"] == "42", f"execute_result {results}")
    passes("execute_result")

    # Counting goes on: the next cell is n + 1; stdout is a stream; a string shows quoted.
    reply, iopub, _ = execute("console.log('hello');\n'done'")
    check(reply["execution_count"] == n + 1, f"execution_count {reply['execution_count']} after {n}")
    check("".join(s["text"] for s in of_type(iopub, "stream") if s["name"] == "stdout") == "hello\n", f"stream {iopub}")
    check(of_type(iopub, "execute_result")[0]["data"]["text/plain"] == "'done'", "string result")
    passes("stream")

    # A displayable last expression comes back as its own MIME bundle (an HTML table).
    reply, iopub, _ = execute("s3lab.table([{ method: 'bm25', recall: 0.5 }])")
    data = of_type(iopub, "execute_result")[0]["data"]
    check('<table class="s3lab-table">' in data.get("text/html", ""), f"table bundle {data}")
    passes("rich_execute_result")

    # A throwing cell: error on IOPub and an error reply, both with ename/evalue/traceback.
    reply, iopub, _ = execute("const failing = 1;\nthrow new RangeError('no such passage');", stop_on_error=False)
    errors = of_type(iopub, "error")
    check(reply["status"] == "error" and reply["ename"] == "RangeError" and reply["evalue"] == "no such passage", f"error reply {reply}")
    check(any("RangeError: no such passage" in line for line in reply["traceback"]), f"traceback {reply['traceback']}")
    check(errors == [{"ename": reply["ename"], "evalue": reply["evalue"], "traceback": reply["traceback"]}], f"error message {errors}")
    check(of_type(iopub, "execute_input")[0]["execution_count"] == reply["execution_count"] == n + 3, "the failed cell counts")
    passes("error")

    # stop_on_error=False: the next cell runs.
    reply, iopub, _ = execute("answer + 1")
    check(reply["status"] == "ok" and of_type(iopub, "execute_result")[0]["data"]["text/plain"] == "43", f"after an error {reply}")
    passes("runs_after_error")

    # TypeScript diagnostics are an error too.
    reply, iopub, _ = execute("const label: string = 5;", stop_on_error=False)
    check(reply["status"] == "error" and reply["ename"] == "TypeScriptError", f"diagnostics reply {reply}")
    check("not assignable to type 'string'" in reply["evalue"] and of_type(iopub, "error")[0]["ename"] == "TypeScriptError", f"diagnostics {reply}")
    passes("typescript_error")

    # stop_on_error=True: execute requests queued behind the failure are aborted without running.
    failing = request("shell", "execute_request", {"code": "throw new Error('stop here');", "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
    queued = [request("shell", "execute_request", {"code": code, "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
              for code in ["(globalThis as any).queuedRan = true;", "(globalThis as any).queuedRan = true; 1"]]
    replies = [reply_to(m["header"]["msg_id"]) for m in [failing, *queued]]
    for req, rep in zip([failing, *queued], replies):
        validate(rep, req)
        for m in iopub_of(req["header"]["msg_id"]):
            validate(m, req)
    check(replies[0]["content"]["status"] == "error", f"failing {replies[0]['content']}")
    check([r["content"]["status"] for r in replies[1:]] == ["aborted", "aborted"], f"queued {[r['content'] for r in replies[1:]]}")
    reply, iopub, _ = execute("(globalThis as any).queuedRan ?? 'not run'")
    check(reply["status"] == "ok" and of_type(iopub, "execute_result")[0]["data"]["text/plain"] == "'not run'", "aborted cells did not run; later ones do")
    passes("stop_on_error_aborts")

    # Progress: the output shows at once and updates while the cell runs, with true elapsed time.
    code = ("const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));\n"
            "const bar = s3lab.displayProgress('steps', 6, { intervalMs: 0 });\n"
            "for (let i = 0; i < 6; i++) { await sleep(250); bar.tick(); }\nbar.done();\n"
            "const late = s3lab.displayProgressCallback('late');\nawait sleep(1000);\nlate(10, 10);\nlate.finish();")
    progress_code = code
    reply, iopub, raw_reply = execute(code)
    check(reply["status"] == "ok", f"progress cell {reply}")
    shown = [m for m in iopub if m["msg_type"] in ("display_data", "update_display_data")]
    ids = {}
    for m in shown:
        ids.setdefault(m["content"]["transient"]["display_id"], []).append(m)
    check(len(ids) == 2, f"two progress outputs, got {list(ids)}")
    steps, late = list(ids.values())
    check(steps[0]["msg_type"] == "display_data" and all(m["msg_type"] == "update_display_data" for m in steps[1:]), "display then updates")
    finished = when(raw_reply)
    spread = (when(steps[-1]) - when(steps[0])).total_seconds()
    check(len(steps) >= 6 and spread >= 1.0, f"steps updates spread over {spread} s ({len(steps)} messages)")
    check((finished - when(late[0])).total_seconds() >= 0.9, "the late progress showed when created, before its report")
    steps_elapsed = elapsed(steps[-1]["content"]["data"]["text/plain"])
    late_elapsed = elapsed(late[-1]["content"]["data"]["text/plain"])
    check(steps[-1]["content"]["data"]["text/plain"].startswith("steps 6/6 (100%)") and 1.3 <= steps_elapsed < 10, f"steps final {steps[-1]['content']['data']['text/plain']}")
    check(late[-1]["content"]["data"]["text/plain"].startswith("late 10/10 (100%)") and late_elapsed >= 0.9, f"late final {late[-1]['content']['data']['text/plain']}")
    measured["progress"] = {"updates": len(steps), "spread_s": spread, "steps_elapsed_s": steps_elapsed, "late_elapsed_s": late_elapsed}
    passes("live_progress")

    # is_complete, complete (cursor positions in code points), inspect.
    content, _, _ = roundtrip("is_complete_request", {"code": "const a = {"})
    check(content["status"] == "incomplete" and isinstance(content.get("indent"), str), f"is_complete {content}")
    content, _, _ = roundtrip("is_complete_request", {"code": "const a = 1;"})
    check(content == {"status": "complete"}, f"is_complete {content}")
    passes("is_complete")
    content, _, _ = roundtrip("complete_request", {"code": "Math.fl", "cursor_pos": 7})
    check("floor" in content["matches"] and (content["cursor_start"], content["cursor_end"]) == (5, 7), f"complete {content}")
    code = "const s = '😀'; s.toUpperC"
    content, _, _ = roundtrip("complete_request", {"code": code, "cursor_pos": len(code)})
    check("toUpperCase" in content["matches"] and content["cursor_end"] == len(code) and content["cursor_start"] == len(code) - len("toUpperC"), f"complete after an emoji {content}")
    passes("complete")
    content, _, _ = roundtrip("inspect_request", {"code": "Math.floor(1.5)", "cursor_pos": 8, "detail_level": 0})
    check(content["found"] is True and "floor" in content["data"]["text/plain"], f"inspect {content}")
    passes("inspect")

    content, _, _ = roundtrip("history_request", {"output": False, "raw": True, "hist_access_type": "tail", "n": 1})
    check(len(content["history"]) == 1 and content["history"][0][2] == progress_code, f"history {content}")
    content, _, _ = roundtrip("comm_info_request", {})
    check(content == {"status": "ok", "comms": {}}, f"comm_info {content}")
    passes("history_and_comm_info")

    # Interrupt (kernelspec interrupt_mode 'signal'): a cell awaiting forever ends with an error.
    hang = request("shell", "execute_request", {"code": "await new Promise<void>(() => {});", "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False, "stop_on_error": False})
    time.sleep(2)
    km.interrupt_kernel()
    hung = reply_to(hang["header"]["msg_id"], timeout=20)
    validate(hung, hang)
    iopub_of(hang["header"]["msg_id"])
    check(hung["content"]["status"] == "error" and "Interrupted" in hung["content"]["evalue"], f"interrupted {hung['content']}")
    content, _, _ = roundtrip("interrupt_request", {}, channel="control")
    check(content == {"status": "ok"}, f"interrupt_reply {content}")
    passes("interrupt")

    # Shutdown on the control channel: a reply, then the process ends.
    content, _, _ = roundtrip("shutdown_request", {"restart": False}, channel="control")
    check(content == {"status": "ok", "restart": False}, f"shutdown_reply {content}")
    deadline = time.time() + 10
    while km.is_alive() and time.time() < deadline:
        time.sleep(0.1)
    check(not km.is_alive(), "the kernel process ended after shutdown_reply")
    passes("shutdown")
except Exception as error:  # noqa: BLE001 - reported to the node test
    sys.stderr.write(f"FAILED after {passed}: {type(error).__name__}: {error}\n")
    sys.exit(1)
finally:
    kc.stop_channels()
    if km.is_alive():
        km.shutdown_kernel(now=True)
    with open(out, "w") as f:
        json.dump({"passed": passed, "measured": measured}, f, default=str)
