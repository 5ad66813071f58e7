"""The chat simulator: ``flask --app bot chat --as OPENID TEXT``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parents[1]


def test_chat_in_process_prints_the_reply(runner) -> None:
    result = runner.invoke(args=["chat", "--as", "o-sim-1", "帮助"])
    assert result.exit_code == 0, result.output
    assert "您可以发送" in result.output


def test_chat_in_safe_mode(runner) -> None:
    result = runner.invoke(args=["chat", "--as", "o-sim-2", "--safe", "帮助"])
    assert result.exit_code == 0, result.output
    assert "您可以发送" in result.output


def test_chat_sends_events(runner) -> None:
    result = runner.invoke(args=["chat", "--as", "o-sim-3", "--event", "subscribe"])
    assert "欢迎关注安心家政" in result.output


def test_chat_needs_something_to_say(runner) -> None:
    result = runner.invoke(args=["chat", "--as", "o-sim-4"])
    assert result.exit_code == 2
    assert "TEXT" in result.output


def test_chat_to_a_running_server_from_another_process(app: Flask, app_settings: dict[str, Any], live_server: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANXIN_")}
    env.update({k: str(v) for k, v in app_settings.items() if v is not None})
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "bot", "chat", "--as", "o-sim-5", "--url", live_server, "你好"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "您好" in result.stdout and "绑定" in result.stdout  # a visitor's greeting, answered


def test_chat_reports_an_unreachable_server(runner) -> None:
    result = runner.invoke(args=["chat", "--as", "o-1", "--url", "http://127.0.0.1:9", "帮助"])
    assert result.exit_code == 1
    assert "cannot reach" in result.output


def test_chat_takes_the_words_as_typed_without_quotes(runner) -> None:
    """The README's ``flask --app bot chat --as grandma 绑定 DEMFAM26``: two words, one message."""
    result = runner.invoke(args=["chat", "--as", "o-sim-5", "绑定", "ABCDEFGH"])
    assert result.exit_code == 0, result.output
    assert "绑定码不存在" in result.output  # read as 绑定 with its code, not refused by the command line
