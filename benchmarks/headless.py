"""A Streamlit session without a browser: the messages a browser sends over the app's WebSocket
(``/_stcore/stream``, protobuf ``BackMsg``) and the replies it reads (``ForwardMsg``), enough to
open pages, set radios, selectboxes, sliders and toggles, press buttons and upload files, and to
time each step from the click to the server's "script finished". A class of thirty such
sessions costs the server what thirty students' browsers on their own computers would, and the
machine running them almost nothing (issue 34).

    session = Headless(url)
    await session.open()                                  # the first page, as a browser opens it
    await session.page("Predict")                         # a click in the sidebar
    await session.choose("Example: 500 test beats")       # the radio or selectbox offering it
    await session.press("New set")                        # a button
    await session.upload("record_upload", [("208.hea", data), ...])
    session.errors                                        # exceptions and error boxes seen
"""
from __future__ import annotations

import asyncio
import json
import time
import urllib.request
import uuid

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Common_pb2 import FileURLsRequest, UploadedFileInfo
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

#: The widgets a step can set, by the field of ``Element`` that holds them.
WIDGETS = ("radio", "selectbox", "button", "checkbox", "slider", "file_uploader", "number_input",
           "multiselect", "text_input", "download_button")


class Headless:
    """One session: its widgets as the last run drew them, its widget states, its timings."""

    def __init__(self, url: str, *, timeout: float = 300.0):
        self.url, self.timeout = url.rstrip("/"), timeout
        self.ws = None
        self.session_id = ""
        self.pages: dict[str, str] = {}          # page name -> script hash
        self.page_hash = ""
        self.widgets: dict[str, object] = {}     # widget id -> its element proto (last run)
        self.states: dict[str, WidgetState] = {}
        self.errors: list[str] = []
        self.times: list[tuple[str, float]] = []
        self._file_urls: dict[str, object] = {}
        self.xsrf: str | None = None

    async def open(self) -> float:
        """Load the page (its XSRF cookie, which uploads need), connect and run the first page
        (the Overview), as a browser does."""
        host = self.url.split("://", 1)[1]
        self.xsrf = await asyncio.to_thread(_xsrf_cookie, self.url + "/_stcore/health")
        headers = {"Cookie": f"_streamlit_xsrf={self.xsrf}"} if self.xsrf else {}
        self.ws = await websockets.connect(f"ws://{host}/_stcore/stream",
                                           subprotocols=["streamlit", self.xsrf] if self.xsrf else ["streamlit"],
                                           origin=self.url, max_size=None, open_timeout=self.timeout,
                                           additional_headers=headers)
        return await self._run("open")

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def page(self, name: str, *, step: str | None = None) -> float:
        """A click in the sidebar on page ``name`` (timed as ``step``, or "page <name>")."""
        self.page_hash = self.pages[name]
        self.states.clear()                      # a browser keeps no widget state across pages
        return await self._run(step or f"page {name}")

    def _find(self, text: str, kinds) -> tuple[str, object, str]:
        for wid, (kind, el) in self.widgets.items():
            if kind not in kinds:
                continue
            options = list(getattr(el, "options", []))
            if text in options or getattr(el, "label", None) == text:
                return wid, el, kind
        raise LookupError(f"no widget offers {text!r} on this page")

    async def choose(self, option: str, *, label: str | None = None, step: str | None = None) -> float:
        """Pick ``option`` in the radio or selectbox that offers it (or the one labelled ``label``)."""
        for wid, (kind, el) in self.widgets.items():
            if kind in ("radio", "selectbox") and option in list(el.options) and (label is None or el.label == label):
                self.states[wid] = WidgetState(id=wid, string_value=option)
                return await self._run(step or f"choose {option}")
        raise LookupError(f"no radio or selectbox offers {option!r}")

    async def press(self, label: str) -> float:
        """Press the button labelled ``label``."""
        wid, _, _ = self._find(label, ("button",))
        self.states[wid] = WidgetState(id=wid, trigger_value=True)
        try:
            return await self._run(f"press {label}")
        finally:
            self.states.pop(wid, None)           # a trigger fires once

    async def set_slider(self, label: str, value: float) -> float:
        wid, _, _ = self._find(label, ("slider",))
        self.states[wid] = WidgetState(id=wid)
        self.states[wid].double_array_value.data.append(float(value))
        return await self._run(f"slider {label}")

    async def upload(self, key_part: str, files: list[tuple[str, bytes]]) -> float:
        """Upload ``files`` to the file uploader whose id contains ``key_part``, as a browser does:
        upload addresses asked of the server, each file PUT there, then the uploader's state."""
        wid = next(w for w, (kind, _) in self.widgets.items() if kind == "file_uploader" and key_part in w)
        request_id = uuid.uuid4().hex
        msg = BackMsg(file_urls_request=FileURLsRequest(request_id=request_id, session_id=self.session_id,
                                                        file_names=[n for n, _ in files]))
        await self.ws.send(msg.SerializeToString())
        deadline = time.perf_counter() + self.timeout
        while request_id not in self._file_urls:
            await self._read_one(deadline)
        state = WidgetState(id=wid)
        for (name, data), urls in zip(files, self._file_urls.pop(request_id).file_urls):
            await asyncio.to_thread(_put, self.url + urls.upload_url if urls.upload_url.startswith("/") else urls.upload_url,
                                    name, data, self.xsrf)
            state.file_uploader_state_value.uploaded_file_info.append(
                UploadedFileInfo(file_id=urls.file_id, name=name, size=len(data), file_urls=urls))
        self.states[wid] = state
        return await self._run(f"upload {len(files)} files")

    async def _run(self, step: str) -> float:
        msg = BackMsg()
        state = msg.rerun_script
        state.page_script_hash = self.page_hash
        state.widget_states.widgets.extend(self.states.values())
        t0 = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        self.widgets = {}
        deadline = t0 + self.timeout
        while True:
            fwd = await self._read_one(deadline)
            if fwd is not None and fwd.WhichOneof("type") == "script_finished":
                if fwd.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    break
        seconds = time.perf_counter() - t0
        self.times.append((step, seconds))
        return seconds

    async def _read_one(self, deadline: float):
        left = deadline - time.perf_counter()
        if left <= 0:
            raise TimeoutError("the script never finished")
        raw = await asyncio.wait_for(self.ws.recv(), timeout=left)
        if not isinstance(raw, (bytes, bytearray)):
            return None
        fwd = ForwardMsg.FromString(bytes(raw))
        kind = fwd.WhichOneof("type")
        if kind == "new_session":
            self.session_id = fwd.new_session.initialize.session_id or self.session_id
        elif kind == "navigation":
            self.pages = {p.page_name: p.page_script_hash for p in fwd.navigation.app_pages}
            self.page_hash = fwd.navigation.page_script_hash or self.page_hash
        elif kind == "file_urls_response":
            self._file_urls[fwd.file_urls_response.response_id] = fwd.file_urls_response
        elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
            el = fwd.delta.new_element
            which = el.WhichOneof("type")
            if which == "exception":
                self.errors.append(f"exception: {el.exception.message[:160]}")
            elif which == "alert" and el.alert.format == el.alert.ERROR:
                self.errors.append(f"error: {el.alert.body[:160]}")
            elif which in WIDGETS:
                widget = getattr(el, which)
                if getattr(widget, "id", ""):
                    self.widgets[widget.id] = (which, widget)
        return fwd


def _xsrf_cookie(url: str) -> str | None:
    """The XSRF cookie the app's page sets (None when XSRF protection is off)."""
    with urllib.request.urlopen(url, timeout=60) as response:
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            if name.strip() == "_streamlit_xsrf":
                return rest.split(";", 1)[0]
    return None


def _put(url: str, name: str, data: bytes, xsrf: str | None = None) -> None:
    """PUT one file as a browser's upload does (multipart form data, the XSRF cookie and header)."""
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    if xsrf:
        headers |= {"Cookie": f"_streamlit_xsrf={xsrf}", "X-Xsrftoken": xsrf}
    request = urllib.request.Request(url, data=body, method="PUT", headers=headers)
    with urllib.request.urlopen(request, timeout=120) as response:
        response.read()


def summary(values: list[float]) -> dict:
    """p50, p95 and max of some seconds."""
    import numpy as np

    a = np.asarray(values, dtype=float)
    return {"p50": round(float(np.percentile(a, 50)), 3), "p95": round(float(np.percentile(a, 95)), 3),
            "max": round(float(a.max()), 3)} if len(a) else {}


if __name__ == "__main__":     # a smoke run against a server on a given URL
    import sys

    async def _smoke(url):
        s = Headless(url)
        print("open", await s.open(), sorted(s.pages))
        print("predict", await s.page("Predict"))
        print("example", await s.choose("Example: 500 test beats"))
        print(json.dumps(s.errors))
        await s.close()

    asyncio.run(_smoke(sys.argv[1]))
