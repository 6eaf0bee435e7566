"""Issue 22, items 1, 6 and 7, against real `pbkit serve` servers on 127.0.0.1.

* One websocket message must not freeze the trainee server: Voila 0.5.13 reads the first
  8 bytes of an old-format (or crafted v1) kernel message as a loop count of ~8.6 x 10^17.
  A real websocket client sends those messages; the server must still answer within 1 s
  and its memory must stay put. Kernels run with pbkit's resource limits.
* The trainer token never appears on a command line, in a kernel's environment or in the
  server log (also for 4xx requests that carry it); wrong tokens lock the client out.
* A short token is refused before any server starts (exit 2, one clear line).

Each server start costs seconds, so each test starts one server and checks several things.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.apps.conftest import processes_with_env, start_server, stop_server

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("servers")]

V1 = "v1.kernel.websocket.jupyter.org"
TOKEN = "sec-test-token-7c1e2b9f44a0d3e8"  # 32 characters
COHORT = "C2026SEC"


def _get(url: str, timeout: float = 60) -> tuple[int, str, float]:
    t0 = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.read().decode("utf-8", "replace"), time.monotonic() - t0
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8", "replace"), time.monotonic() - t0


def _voila_pid(server) -> int:
    for pid in processes_with_env(str(server.data_dir)):
        try:
            if b"pbkit.apps.voila_server" in Path(f"/proc/{pid}/cmdline").read_bytes():
                return pid
        except OSError:
            pass
    raise AssertionError("no Voila server process")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _kernel_pids(server) -> list[int]:
    out = []
    for pid in processes_with_env(str(server.data_dir)):
        try:
            if b"ipykernel" in Path(f"/proc/{pid}/cmdline").read_bytes():
                out.append(pid)
        except OSError:
            pass
    return out


def _header(session: str) -> dict:
    return {"msg_id": uuid.uuid4().hex, "msg_type": "comm_msg", "session": session,
            "username": "", "date": "2026-01-01T00:00:00Z", "version": "5.3"}


def _answering(server, rss_before: float, pid: int, what: str, figures: dict) -> None:
    """The server answers GET / within 1 s and has not grown by 100 MB."""
    time.sleep(1.0)  # time for a stuck loop to show
    try:
        status, _, took = _get(f"http://127.0.0.1:{server.port}/", timeout=1.0)
    except (OSError, urllib.error.URLError) as exc:
        raise AssertionError(f"server not answering within 1 s after {what}: {exc}") from None
    grown = _rss_mb(pid) - rss_before
    figures[what] = (round(took, 3), round(grown, 1))
    assert status == 200 and took < 1.0, (what, status, took)
    assert grown < 100, f"server grew {grown:.0f} MB after {what}"


@pytest.fixture(scope="module")
def trainee_server(tmp_path_factory):
    """`pbkit serve` on the trainee apps, with a cohort and two registered trainees."""
    from tests.apps.conftest import prepare_store

    data_dir = tmp_path_factory.mktemp("sec-trainee")
    prepare_store(data_dir, cohort=COHORT, trainee="T0001")
    prepare_store(data_dir, cohort=COHORT, trainee="T0002")
    server = start_server(data_dir)
    try:
        yield server
    finally:
        stop_server(server)
        assert not processes_with_env(str(data_dir))


def test_kernel_websocket_messages_cannot_freeze_the_server(trainee_server):
    import websocket
    from jupyter_server.services.kernels.connection.base import (
        serialize_binary_message,
        serialize_msg_to_ws_v1,
    )

    server = trainee_server
    tmp_path = server.data_dir
    figures: dict = {}
    status, page, _ = _get(f"http://127.0.0.1:{server.port}/voila/render/roleplay.ipynb")
    assert status == 200
    kernel = re.search(r'"kernelId": *"([0-9a-f-]+)"', page).group(1)
    model = re.search(r'"model_id": *"([0-9a-f]{32})"', page).group(1)
    pid = _voila_pid(server)
    rss = _rss_mb(pid)
    session = uuid.uuid4().hex
    url = (f"ws://127.0.0.1:{server.port}/api/kernels/{kernel}/channels"
           f"?session_id={session}")
    # an update of the widget's tooltip with a 5-byte binary buffer: the kernel echoes
    # it back with the buffer (ipywidgets 8 echo_update)
    content = {"comm_id": model, "data": {"method": "update", "state": {"tooltip": None},
                                          "buffer_paths": [["tooltip"]]}}

    # 1. the older Jupyter message format (no subprotocol): refused at the handshake
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        ws = websocket.create_connection(url, timeout=5)
        # reached only on a server that accepts it (Voila 0.5.13 does): the echo of
        # this update, in the old format, is what froze the server
        ws.send_binary(serialize_binary_message(
            {"header": _header(session), "parent_header": {}, "metadata": {},
             "content": content, "channel": "shell", "buffers": [b"12345"]}))
        _answering(server, rss, pid, "old-format message", figures)
    assert refused.value.status_code == 400
    _answering(server, rss, pid, "old-format handshake", figures)

    # 2. v1 messages whose part count or offsets are absurd: the socket is closed
    for name, bad in [("count 2^63", (2 ** 63).to_bytes(8, "little") + b"x" * 16),
                      ("old format on v1", serialize_binary_message(
                          {"header": _header(session), "parent_header": {},
                           "metadata": {}, "content": content, "buffers": [b"12345"]})),
                      ("offsets past the end", (6).to_bytes(8, "little")
                       + b"".join((56 + i * 10 ** 6).to_bytes(8, "little")
                                  for i in range(6)))]:
        ws = websocket.create_connection(url, timeout=5, subprotocols=[V1])
        ws.send_binary(bad)
        with pytest.raises((websocket.WebSocketConnectionClosedException, OSError)):
            for _ in range(50):  # status messages may come first; then the close
                if ws.recv() == "":
                    raise websocket.WebSocketConnectionClosedException(name)
        _answering(server, rss, pid, name, figures)

    # 3. the same widget update in the v1 format still works and is echoed back
    ws = websocket.create_connection(url, timeout=10, subprotocols=[V1])
    parts = [json.dumps(p).encode() for p in (_header(session), {}, {}, content)]
    ws.send_binary(serialize_msg_to_ws_v1(parts + [b"12345"], "shell"))
    deadline, echoed = time.monotonic() + 20, False
    while not echoed and time.monotonic() < deadline:
        message = ws.recv()
        echoed = isinstance(message, bytes) and b"echo_update" in message
    ws.close()
    assert echoed, "the v1 widget update was not echoed"
    _answering(server, rss, pid, "v1 update with a 5-byte buffer", figures)

    # 4. every kernel runs with pbkit's limits and a lower priority
    kernels = _kernel_pids(server)
    assert kernels
    for kpid in kernels:
        limits = Path(f"/proc/{kpid}/limits").read_text()
        assert re.search(r"Max address space\s+2147483648\s+2147483648", limits), limits
        assert re.search(r"Max cpu time\s+1800\s+1830", limits), limits
        nice = int(Path(f"/proc/{kpid}/stat").read_text().rsplit(")", 1)[1].split()[16])
        assert nice >= 10, nice
    # the server and its kernels create files for this user only (umask 077); the
    # class-link key is 0600
    for spid in [pid, *kernels]:
        status_text = Path(f"/proc/{spid}/status").read_text()
        assert re.search(r"^Umask:\s+0077$", status_text, re.M), spid
    assert (tmp_path / "class-link.key").stat().st_mode & 0o777 == 0o600
    print("latency (s), RSS growth (MB):", figures)


class KernelClient:
    """The widget side of a page, spoken over a real v1 kernel websocket."""

    def __init__(self, server, kernel: str) -> None:
        import websocket

        self.session = uuid.uuid4().hex
        self.ws = websocket.create_connection(
            f"ws://127.0.0.1:{server.port}/api/kernels/{kernel}/channels"
            f"?session_id={self.session}", timeout=30, subprotocols=[V1])

    def send(self, msg_type: str, content: dict) -> None:
        from jupyter_server.services.kernels.connection.base import serialize_msg_to_ws_v1

        header = {**_header(self.session), "msg_type": msg_type}
        parts = [json.dumps(p).encode() for p in (header, {}, {}, content)]
        self.ws.send_binary(serialize_msg_to_ws_v1(parts, "shell"))

    def receive(self) -> tuple[str, dict]:
        from jupyter_server.services.kernels.connection.base import deserialize_msg_from_ws_v1

        channel, parts = deserialize_msg_from_ws_v1(self.ws.recv())
        header, content = json.loads(parts[0]), json.loads(parts[3])
        return header["msg_type"], content

    def widget_states(self) -> dict[str, dict]:
        """Every widget's state, by model id (comm_info_request, then request_state)."""
        self.send("comm_info_request", {"target_name": "jupyter.widget"})
        comms: dict = {}
        while not comms:
            kind, content = self.receive()
            if kind == "comm_info_reply":
                comms = content["comms"]
        for comm_id in comms:
            self.send("comm_msg", {"comm_id": comm_id, "data": {"method": "request_state"}})
        states: dict[str, dict] = {}
        deadline = time.monotonic() + 60
        while len(states) < len(comms) and time.monotonic() < deadline:
            kind, content = self.receive()
            data = content.get("data", {}) if kind == "comm_msg" else {}
            if data.get("method") == "update" and content["comm_id"] in comms:
                states.setdefault(content["comm_id"], {}).update(data["state"])
        return states

    def update(self, comm_id: str, **state) -> None:
        self.send("comm_msg", {"comm_id": comm_id,
                               "data": {"method": "update", "state": state,
                                        "buffer_paths": []}})

    def click(self, comm_id: str) -> None:
        self.send("comm_msg", {"comm_id": comm_id, "data": {"method": "custom",
                                                            "content": {"event": "click"}}})


def test_forged_widget_message_on_a_real_page_cannot_store_as_another_trainee(
        trainee_server):
    """Issue 22: the page of trainee T0001 (personal link) sends a widget update that sets
    the code box to T0002, then starts, answers and submits: the attempt is T0001's."""
    from pbkit.store import ResultsStore
    from tests.apps.conftest import signed_link

    server = trainee_server
    query = urllib.parse.urlencode(signed_link(server, "T0001", COHORT))
    status, page, _ = _get(f"http://127.0.0.1:{server.port}/voila/render/roleplay.ipynb"
                           f"?{query}")
    assert status == 200
    kernel = re.search(r'"kernelId": *"([0-9a-f-]+)"', page).group(1)
    client = KernelClient(server, kernel)
    states = client.widget_states()

    def model(name: str, **match) -> str:
        found = [cid for cid, st in states.items() if st.get("_model_name") == name
                 and all(st.get(k) == v for k, v in match.items())]
        assert len(found) == 1, (name, match, found)
        return found[0]

    box = model("TextModel", description="学员编号")
    assert states[box]["value"] == "T0001"
    client.update(box, value="T0002", disabled=False)  # the forgery
    # the kernel took it (ipywidgets echoes it back) and put the box back to T0001
    seen: list = []
    deadline = time.monotonic() + 30
    while "T0001" not in seen and time.monotonic() < deadline:
        kind, content = client.receive()
        data = content.get("data", {}) if kind == "comm_msg" else {}
        if content.get("comm_id") == box and "value" in data.get("state", {}):
            seen.append(data["state"]["value"])
    assert seen[:1] == ["T0002"] and "T0001" in seen, seen
    client.click(model("ButtonModel", description="开始练习"))
    client.update(model("TextareaModel"), value="大娘，您先坐下慢慢说，我理解您的难处。"
                  "低保要经过申请、入户调查、民主评议、公示，我们三天内把评议记录给您看。")
    client.click(model("ButtonModel", description="提交并评分"))
    store = ResultsStore("sqlite:///" + str(server.data_dir / "results.sqlite3"))
    try:
        deadline = time.monotonic() + 120
        while store.attempts().empty and time.monotonic() < deadline:
            time.sleep(1)
        attempts = store.attempts()
    finally:
        store.close()
        client.ws.close()
    assert attempts["trainee_id"].tolist() == ["T0001"], attempts


def _opener():
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar)), jar


def test_trainer_token_stays_secret_and_wrong_tokens_lock_the_client_out(tmp_path):
    from tests.apps.conftest import prepare_store

    prepare_store(tmp_path)
    server = start_server(tmp_path, "--trainer", token=TOKEN)
    base = f"http://127.0.0.1:{server.port}"
    try:
        status, page, _ = _get(f"{base}/voila/render/console.ipynb?token={TOKEN}")
        assert status == 200 and "pbkit-app" in page
        # a 4xx request that carries the token
        assert _get(f"{base}/voila/render/no-such-app.ipynb?token={TOKEN}")[0] == 404
        assert _get(f"{base}/voila/files/nothing.txt?token={TOKEN}")[0] in (403, 404)
        # neither the command line nor a kernel's environment nor the log holds the token
        pids = processes_with_env(str(tmp_path)) + [server.proc.pid]
        assert _kernel_pids(server)
        for pid in pids:
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            assert TOKEN.encode() not in cmdline, cmdline
        for pid in _kernel_pids(server):
            assert TOKEN.encode() not in Path(f"/proc/{pid}/environ").read_bytes()
        # wrong tokens: after five, even the right one is not checked for a while
        t0 = time.monotonic()
        for i in range(5):
            _get(f"{base}/?token=wrong-token-{i:02d}-xxxxxxxxxxxxxxxx")
        opener, jar = _opener()
        with opener.open(f"{base}/?token={TOKEN}", timeout=30) as resp:
            landing = resp.read().decode()
        assert "/login" in resp.url and "console.ipynb" not in landing
        # the log-in form says so, in Chinese and English, with status 429
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', landing).group(1)
        form = urllib.parse.urlencode({"password": TOKEN, "_xsrf": xsrf}).encode()
        request = urllib.request.Request(f"{base}/login", data=form,
                                         headers={"Referer": f"{base}/login"})
        with pytest.raises(urllib.error.HTTPError) as locked:
            opener.open(request, timeout=30)
        assert locked.value.code == 429
        body = locked.value.read().decode()
        assert "错误次数过多" in body and "Too many wrong tokens" in body
        assert time.monotonic() - t0 < 20
        log = server.output()
        assert TOKEN not in log, [line for line in log.splitlines() if TOKEN in line]
        assert "token=[secret]" in log  # the 4xx lines are there, redacted
    finally:
        stop_server(server)


def test_short_or_unreadable_token_is_refused_before_serving(tmp_path):
    short = tmp_path / "token.txt"
    short.write_text("abc123\n", encoding="utf-8")
    runs = [["--token-file", str(short)], ["--token", "short-token"],
            ["--token-file", str(tmp_path / "missing.txt")]]
    for extra in runs:
        done = subprocess.run([sys.executable, "-m", "pbkit.cli", "serve", "--trainer",
                               "--no-browser", *extra],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 2, (extra, done.stderr)
        assert "Traceback" not in done.stderr
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert lines and "令牌" in lines[-1], done.stderr
        if extra[0] == "--token-file" and extra[1] == str(short):
            assert "6 个字符，至少需要 16 个" in lines[-1], lines[-1]
