"""Saving a creation's pictures (main, cover, one per scene) to a directory.

The URLs come from the creation's detail, never built by hand. Sandbox URLs are fetched
in-process; real ones over HTTP without the API key (result links are public, often on a CDN).
Only pictures are saved: a main result that is a video or a web page is listed as skipped. File
names are fixed (``main.svg``, ``cover.svg``, ``scene-s1.svg``...), never taken from the URL.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import httpx

__all__ = ["Saved", "picture_urls", "prepare_directory", "save_pictures", "why_not_saved"]

MAX_BYTES: Final = 20 * 1024 * 1024
_EXTENSIONS: Final = {
    "image/svg+xml": "svg",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/webp": "webp",
    "image/gif": "gif",
}


@dataclass(frozen=True, slots=True)
class Saved:
    """One picture of a creation: where it was saved, or why it was not (``skipped``)."""

    name: str
    url: str
    path: Path | None = None
    skipped: str | None = None


def picture_urls(detail: Mapping[str, Any]) -> dict[str, str]:
    """Picture name -> URL: ``main``, ``cover`` and ``scene-<id>``, each URL once."""
    urls: dict[str, str] = {}
    if detail.get("main_url"):
        urls["main"] = str(detail["main_url"])
    cover = detail.get("thumbnail_url") or next(
        (a.get("url") for a in detail.get("artifacts") or [] if a.get("kind") == "cover"), None
    )
    if cover:
        urls["cover"] = str(cover)
    for scene in detail.get("scenes") or []:
        if scene.get("image_url"):
            safe = re.sub(r"[^A-Za-z0-9_-]", "_", str(scene.get("scene_id")))[:40]
            urls[f"scene-{safe}"] = str(scene["image_url"])
    return urls


def prepare_directory(directory: Path) -> None:
    """Create ``directory`` if needed and check a file can be written in it (``OSError`` if not).

    Called before a create or an edit is sent, so a directory that cannot be used is found out
    before any credits are spent, not after the job.
    """
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=directory):
        pass


def why_not_saved(error: OSError, directory: Path) -> str:
    """Why ``directory`` or a picture in it could not be written, for a person to act on."""
    reason = error.strerror or str(error)
    if error.filename is None or Path(error.filename) == directory:
        return reason
    return f"{reason}: {error.filename}"


async def save_pictures(
    http: httpx.AsyncClient, detail: Mapping[str, Any], directory: Path
) -> list[Saved]:
    """Download each picture of ``detail`` into ``directory`` (created if needed)."""
    fetched = [await _fetch(http, name, url) for name, url in picture_urls(detail).items()]
    return _write(directory, fetched)


@dataclass(frozen=True, slots=True)
class _Fetched:
    name: str
    url: str
    extension: str | None = None
    body: bytes = b""
    skipped: str | None = None


async def _fetch(http: httpx.AsyncClient, name: str, url: str) -> _Fetched:
    try:
        async with http.stream("GET", url) as response:
            if response.status_code != 200:
                return _Fetched(name, url, skipped=f"HTTP {response.status_code}")
            kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
            extension = _EXTENSIONS.get(kind)
            if extension is None:
                return _Fetched(name, url, skipped=f"not a picture ({kind or 'unknown type'})")
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_BYTES:
                    return _Fetched(name, url, skipped=f"over {MAX_BYTES // 1024 // 1024} MB")
    except httpx.HTTPError as error:
        return _Fetched(name, url, skipped=f"could not download ({type(error).__name__})")
    return _Fetched(name, url, extension, bytes(body))


def _write(directory: Path, fetched: list[_Fetched]) -> list[Saved]:
    directory.mkdir(parents=True, exist_ok=True)
    saved = []
    for item in fetched:
        if item.extension is None:
            saved.append(Saved(item.name, item.url, skipped=item.skipped))
            continue
        path = directory / f"{item.name}.{item.extension}"
        path.write_bytes(item.body)
        saved.append(Saved(item.name, item.url, path=path))
    return saved
