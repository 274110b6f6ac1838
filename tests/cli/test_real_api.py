"""The same commands against a KPainter API over HTTP: ``kp-tools sandbox`` on a loopback port,
reached through KGP_BASE_URL and a key, exactly as the real API would be."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import Cli

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def real_api(served_api: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("KGP_BASE_URL", served_api)
    return served_api


def test_key_from_the_environment(cli: Cli, monkeypatch: pytest.MonkeyPatch, real_api: str) -> None:
    monkeypatch.setenv("KGP_API_KEY", "kgp_sandbox_free")
    result = cli("me")
    assert result.exit_code == 0, result.output
    assert "Fred Free" in result.output and real_api in result.output


def test_create_wait_and_save_pictures_over_http(cli: Cli, tmp_path: Path, real_api: str) -> None:
    result = cli(
        "create",
        "--api-key",
        "kgp_sandbox_member",
        "slides_video",
        "Bees dance. The dance points to flowers.",
        "--scene-count",
        "2",
        "--save-previews",
        str(tmp_path),
        "--json",
    )
    assert result.exit_code == 0, result.output
    detail = json.loads(result.stdout)["result"]
    assert detail["main_url"].startswith(real_api.removesuffix("/openapi/v1") + "/media/")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "cover.svg",
        "main.svg",
        "scene-s1.svg",
        "scene-s2.svg",
    ]
    assert "The dance points to flowers" in (tmp_path / "scene-s2.svg").read_text()
