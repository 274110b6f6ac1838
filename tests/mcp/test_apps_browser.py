"""The MCP Apps creation view in a real browser: headless Chromium renders a real tool result.

The pieces are the real ones, on loopback only: ``kp-tools sandbox`` on a port (so the scene
pictures in the result have URLs a browser can load), kp-mcp's server driven by the mcp
client with the Apps extension negotiated, and a small host page that does what an MCP Apps
host does: it puts the ``ui://`` page in a sandboxed iframe under the content-security policy
the resource declares, answers ``ui/initialize`` over postMessage, then sends the
``kp_get_creation`` result as ``ui/notifications/tool-result``. The host page then reads what
the view shows (it is same-origin, as a host's sandbox proxy is) and writes it into its own
DOM, which ``chromium --dump-dom`` prints. A screenshot is saved next to it.
"""

from __future__ import annotations

import functools
import html
import json
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from mcp.client import Client
from mcp.types import CallToolResult, TextResourceContents

from kp_tools import Executor, KPainterClient
from kp_tools.mcp import build_server
from tests.conftest import MEMBER
from tests.mcp.test_apps import VIEW, WITH_APPS

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="needs Debian's chromium (apt-get install chromium); .ci/run installs it",
    ),
]

PROMPT = (
    "How a river is born. Rain falls on the hills and soaks into the ground. "
    "Springs and streams join into one river that runs to the sea."
)

HOST_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Test MCP Apps host</title>
<style>body{margin:0;font-family:sans-serif;background:#e9ecf2}
#frame{display:block;width:960px;height:400px;border:0;margin:16px auto;background:#fff}
#report{display:none}</style></head>
<body><iframe id="frame" sandbox="allow-scripts allow-same-origin"></iframe>
<pre id="report"></pre>
<script>
const VIEW = __VIEW__;
const CSP = __CSP__;
const RESULT = __RESULT__;
const ARGUMENTS = __ARGUMENTS__;
const frame = document.getElementById("frame");
const log = [];
const violations = [];
let sentResult = false;

function policy(csp) {
  // What the extension asks hosts to enforce: resourceDomains for static resources,
  // connectDomains for fetches, frameDomains for nested frames; nothing else is allowed.
  const res = (csp.resourceDomains || []).join(" ");
  const connect = (csp.connectDomains || []).join(" ") || "'none'";
  const frames = (csp.frameDomains || []).join(" ") || "'none'";
  return "default-src 'none'; script-src 'unsafe-inline' " + res + "; style-src 'unsafe-inline' " +
    res + "; img-src data: " + res + "; font-src " + (res || "'none'") + "; media-src " +
    (res || "'none'") + "; connect-src " + connect + "; frame-src " + frames + "; base-uri 'self'";
}

function post(message) {
  message.jsonrpc = "2.0";
  frame.contentWindow.postMessage(message, "*");
}

window.addEventListener("message", (event) => {
  if (event.source !== frame.contentWindow) return;
  const m = event.data;
  log.push(m.method || ("response:" + m.id));
  if (m.method === "ui/initialize") {
    post({id: m.id, result: {
      protocolVersion: m.params.protocolVersion,
      hostInfo: {name: "kp-tools test host", version: "1"},
      hostCapabilities: {openLinks: {}, sandbox: {csp: CSP}},
      hostContext: {theme: "light", displayMode: "inline", locale: "en-US"},
    }});
  } else if (m.method === "ui/notifications/initialized" && !sentResult) {
    sentResult = true;
    post({method: "ui/notifications/tool-input", params: {arguments: ARGUMENTS}});
    post({method: "ui/notifications/tool-result", params: RESULT});
    setTimeout(report, 50);
  } else if (m.method === "ui/notifications/size-changed" && m.params.height) {
    frame.style.height = m.params.height + "px";
  }
});

let tries = 0;
function report() {
  const doc = frame.contentDocument;
  const shown = (id) => { const e = doc.getElementById(id); return e && !e.hidden ? e : null; };
  const rendered = shown("creation") || shown("error");
  const images = Array.from(doc.querySelectorAll("img"));
  if ((!rendered || images.some((i) => !i.complete)) && tries++ < 100) {
    setTimeout(report, 100);
    return;
  }
  const cover = shown("cover") && doc.querySelector("#cover img");
  document.getElementById("report").textContent = JSON.stringify({
    log, violations,
    title: doc.getElementById("title").textContent,
    status: doc.getElementById("status").textContent,
    progress: shown("progress") && shown("progress").getAttribute("aria-valuenow"),
    cover: cover ? {src: cover.src, loaded: cover.naturalWidth > 0} : null,
    main: shown("open") && shown("open").href,
    error: shown("error") && shown("error").textContent,
    scenes: Array.from(doc.querySelectorAll(".scene")).map((f) => {
      const img = f.querySelector("img");
      return {
        id: f.dataset.sceneId,
        narration: f.querySelector(".narration").textContent,
        picture: img ? {src: img.src, loaded: img.naturalWidth > 0} : null,
        missing: f.querySelector(".missing") ? f.querySelector(".missing").textContent : null,
      };
    }),
  });
}

frame.addEventListener("load", () => {
  frame.contentDocument.addEventListener("securitypolicyviolation", (e) => {
    violations.push(e.violatedDirective + " " + e.blockedURI);
  });
}, {once: true});
const meta = '<meta http-equiv="Content-Security-Policy" content="' + policy(CSP) + '">';
frame.srcdoc = VIEW.replace(/<head>/i, "<head>" + meta);
</script></body></html>
"""


def host_page(view: str, csp: dict[str, Any], result: CallToolResult, arguments: Any) -> str:
    wire = result.model_dump(by_alias=True, exclude_none=True, mode="json")

    def js(value: Any) -> str:  # JSON inside <script>: a "</" in a string must not end it
        return json.dumps(value).replace("</", "<\\/")

    return (
        HOST_PAGE.replace("__VIEW__", js(view))
        .replace("__CSP__", js(csp))
        .replace("__RESULT__", js(wire))
        .replace("__ARGUMENTS__", js(arguments))
    )


@pytest.fixture
def static_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A loopback HTTP server for the host page (a file:// page would have an opaque origin)."""
    root = tmp_path / "host"
    root.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root
    server.shutdown()
    server.server_close()
    thread.join()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def chromium(url: str, profile: Path, *extra: str) -> str:
    """Run headless Chromium on ``url``; only loopback hosts resolve, nothing phones home."""
    assert CHROMIUM is not None
    args = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        f"--user-data-dir={profile}",
        "--hide-scrollbars",
        "--window-size=1000,1500",
        "--virtual-time-budget=15000",
        *extra,
        url,
    ]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def report_of(dom: str) -> dict[str, Any]:
    found = re.search(r'<pre id="report">(.*?)</pre>', dom, re.S)
    assert found and found.group(1), f"the host page wrote no report:\n{dom[-3000:]}"
    return dict(json.loads(html.unescape(found.group(1))))


async def a_real_creation(
    sandbox_url: str,
) -> tuple[CallToolResult, CallToolResult, dict[str, Any], str, Any]:
    """Create a three-scene slides video on the sandbox and read it as a host would."""
    client = KPainterClient(base_url=sandbox_url)
    executor = Executor(client, api_key=MEMBER, env={})
    try:
        async with Client(build_server(executor), mode="auto", extensions=WITH_APPS) as mcp:
            tools = {tool.name: tool for tool in (await mcp.list_tools()).tools}
            assert (tools["kp_get_creation"].meta or {})["ui"]["resourceUri"] == VIEW
            await mcp.call_tool("kp_me", {})
            started = await mcp.call_tool(
                "kp_create_creation",
                {"type": "slides_video", "prompt": PROMPT, "scene_count": 3},
            )
            assert not started.is_error, started.structured_content
            ids = (started.structured_content or {})["result"]
            job = await mcp.call_tool(
                "kp_get_job_status", {"job_id": ids["job_id"], "wait_seconds": 10}
            )
            assert not job.is_error and (job.structured_content or {})["result"]["done"]
            arguments = {"creation_id": ids["creation_id"]}
            detail = await mcp.call_tool("kp_get_creation", arguments)
            assert not detail.is_error, detail.structured_content
            (page,) = (await mcp.read_resource(VIEW)).contents
    finally:
        await executor.aclose()
    assert isinstance(page, TextResourceContents)
    return detail, job, dict((page.meta or {})["ui"]["csp"]), page.text, arguments


@pytest.mark.asyncio
async def test_the_creation_view_shows_each_scenes_picture_and_narration(
    sandbox_api: str, static_server: tuple[str, Path], tmp_path: Path
) -> None:
    detail, _, csp, view, arguments = await a_real_creation(sandbox_api)
    creation = (detail.structured_content or {})["result"]
    base, root = static_server
    (root / "host.html").write_text(host_page(view, csp, detail, arguments), encoding="utf-8")

    report = report_of(chromium(f"{base}/host.html", tmp_path / "profile-dom", "--dump-dom"))
    screenshot = tmp_path / "creation-view.png"
    chromium(f"{base}/host.html", tmp_path / "profile-shot", f"--screenshot={screenshot}")
    print(f"\nMCP Apps creation view screenshot: {screenshot}")

    assert report["log"][:2] == ["ui/initialize", "ui/notifications/initialized"]
    assert report["violations"] == []
    assert report["title"] == creation["title"]
    assert report["status"] == "ready"
    assert report["progress"] == "100"
    assert report["main"] == creation["main_url"]
    assert report["cover"] == {"src": creation["thumbnail_url"], "loaded": True}
    assert report["error"] is None
    assert [(s["id"], s["narration"], s["picture"]) for s in report["scenes"]] == [
        (scene["scene_id"], scene["narration_text"], {"src": scene["image_url"], "loaded": True})
        for scene in creation["scenes"]
    ]
    assert len(report["scenes"]) == 3
    assert screenshot.stat().st_size > 10_000


@pytest.mark.asyncio
async def test_pictures_the_policy_does_not_allow_are_left_out_and_the_narration_stays(
    sandbox_api: str, static_server: tuple[str, Path], tmp_path: Path
) -> None:
    """A host enforcing a policy without the pictures' origin: the view degrades, not breaks."""
    detail, _, _, view, arguments = await a_real_creation(sandbox_api)
    creation = (detail.structured_content or {})["result"]
    base, root = static_server
    strict = {"resourceDomains": ["https://kpainter.ai"]}
    (root / "host.html").write_text(host_page(view, strict, detail, arguments), encoding="utf-8")

    report = report_of(chromium(f"{base}/host.html", tmp_path / "profile", "--dump-dom"))

    assert report["violations"] and all("img-src" in v for v in report["violations"])
    assert report["cover"] is None
    assert [(s["narration"], s["picture"], s["missing"]) for s in report["scenes"]] == [
        (scene["narration_text"], None, "No picture") for scene in creation["scenes"]
    ]
    assert report["main"] == creation["main_url"]


@pytest.mark.asyncio
async def test_the_same_view_shows_a_jobs_status_and_progress(
    sandbox_api: str, static_server: tuple[str, Path], tmp_path: Path
) -> None:
    _, job, csp, view, _ = await a_real_creation(sandbox_api)
    status = (job.structured_content or {})["result"]
    base, root = static_server
    page = host_page(view, csp, job, {"job_id": status["job_id"], "wait_seconds": 10})
    (root / "host.html").write_text(page, encoding="utf-8")

    report = report_of(chromium(f"{base}/host.html", tmp_path / "profile", "--dump-dom"))

    assert report["title"] == f"Job {status['job_id']}"
    assert report["status"] == "succeeded"
    assert report["progress"] == str(status["progress"])
    assert report["scenes"] == [] and report["cover"] is None and report["error"] is None
