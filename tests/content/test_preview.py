"""`make try`: one message in the terminal, and the preview page in real Chromium, on the real trained model.

Both start the preview as `make try` does (`python -m tools.preview`), with the
model of tests/conftest.py's `model_path` (trained once, by `make train`).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator, List

import pytest
import requests

from bot.config import PROJECT_ROOT
from tests.widget.conftest import CHROMIUM, CHROMIUM_ARGS
from tools.content.train import needs_training

KNIFE = "he has a knife"  # a danger_now phrase of data/safety_net.yml: picked whatever the model thinks
WHERE = re.compile(r"data/[\w/]+\.yml, line \d+")


def preview_env() -> dict:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "RASA_TELEMETRY_ENABLED": "false"}
    env.pop("MSG", None)
    return env


def test_the_model_is_trained_only_when_it_is_older_than_the_data(tmp_path: Path):
    root = tmp_path / "project"
    (root / "data" / "nlu").mkdir(parents=True)
    (root / "config.yml").write_text("language: en\n")
    example = root / "data" / "nlu" / "basics.yml"
    example.write_text("nlu: []\n")
    model = root / "models" / "assistant.tar.gz"
    assert needs_training(model, root)  # no model yet
    model.parent.mkdir()
    model.write_bytes(b"model")
    now = time.time()
    os.utime(example, (now - 60, now - 60))
    os.utime(root / "config.yml", (now - 60, now - 60))
    os.utime(model, (now - 30, now - 30))
    assert not needs_training(model, root)
    os.utime(example, (now, now))  # an edit after the model was trained
    assert needs_training(model, root)


def test_one_message_in_the_terminal_says_what_was_picked_and_where_everything_came_from(model_path: Path):
    result = subprocess.run([sys.executable, "-m", "tools.preview", "--model", str(model_path)],
                            env={**preview_env(), "MSG": KNIFE}, cwd=PROJECT_ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert lines[0] == "Loading the model..." and lines[1] == f"You:       {KNIFE}"
    assert lines[2].startswith("Assistant: ")
    out = result.stdout
    assert re.search(r"^Picked: +danger_now \(decided by a crisis phrase in data/safety_net\.yml; the model (alone "
                     r"was \d+% sure|on its own would have picked \S+, \d+% sure)\)$", out, re.M), out
    assert re.search(r"^Runner-up: +\S+, \d+% sure$", out, re.M), out
    # Every line of the reply with the file and line it came from: the crisis sentence, the services.
    assert re.search(r"sentence crisis_lead\.danger, data/replies\.yml, line \d+", out), out
    assert re.search(r"service \w+, data/hotlines\.yml, line \d+", out), out
    assert re.search(r"^  \d+% alike: \u201c.+\u201d, data/nlu/crisis\.yml, line \d+$", out, re.M), out
    # Plain words for staff: no JSON, no warnings, no progress bars, nothing on stderr.
    assert "{" not in out and "intent_ranking" not in out
    assert result.stderr.strip() == "", result.stderr[-2000:]


def test_a_pick_made_by_a_rule_says_what_the_model_alone_would_have_done():
    from tools.preview.chat import pick_reason

    rule = {"picked": "suicidal", "by_rule": True, "decided_by": "a crisis phrase in data/safety_net.yml",
            "confidence": 1.0, "runner_up": {"name": "danger_now", "confidence": 0.37}}
    assert pick_reason({**rule, "model_confidence": 0.62}).endswith("; the model alone was 62% sure")
    assert pick_reason({**rule, "model_confidence": None}).endswith(
        "; the model on its own would have picked danger_now, 37% sure")
    assert pick_reason({"picked": "faq/us_t_visa", "by_rule": False, "confidence": 0.84}) == "84% sure"


# ---- the page ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def preview(model_path: Path) -> Iterator[str]:
    """`make try`'s server (any free port), and the one address it prints."""
    process = subprocess.Popen([sys.executable, "-m", "tools.preview", "--model", str(model_path), "--port", "0"],
                               env=preview_env(), cwd=PROJECT_ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    printed: List[str] = []
    assert process.stdout is not None
    for line in process.stdout:
        printed.append(line.rstrip("\n"))
        if line.startswith("Preview: "):
            break
    addresses = [line for line in printed if "http" in line]
    assert len(addresses) == 1 and re.fullmatch(r"Preview: http://127\.0\.0\.1:\d+/", addresses[0]), printed
    try:
        yield addresses[0].split(" ", 1)[1]
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's Chromium driven by Playwright, launched as tests/widget launches it."""
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: `apt-get install chromium` (Debian), or run .ci/run.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def test_the_preview_only_answers_its_own_page_on_this_computer(preview: str):
    page = requests.get(preview, timeout=10)
    assert page.status_code == 200 and "no-store" in page.headers["Cache-Control"]
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert requests.post(preview + "message", json={"conversation": "x", "text": KNIFE}, timeout=10).status_code == 403
    token = re.search(r'name="preview-token" content="([^"]+)"', page.text).group(1)
    foreign = requests.post(preview + "message", json={"conversation": "x", "text": KNIFE}, timeout=10,
                            headers={"X-Preview-Token": token, "Host": "attacker.example:80"})
    assert foreign.status_code == 403


def test_staff_chat_in_chromium_and_see_why_each_reply_was_given(preview: str, browser):
    from playwright.sync_api import expect

    context = browser.new_context()
    page = context.new_page()
    asked: List[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(preview)
    expect(page.get_by_role("heading", name="Try your change")).to_be_visible()

    page.get_by_label("Message").fill(KNIFE)
    page.get_by_role("button", name="Send").click()
    box = page.locator(".explanation").first
    expect(box).to_be_visible(timeout=60_000)
    expect(page.locator(".bot").first).to_contain_text("911")
    expect(box.locator('[data-field="picked"]')).to_have_text("danger_now")
    expect(box.locator('[data-field="decided-by"]')).to_contain_text("data/safety_net.yml")
    expect(box.locator('[data-field="confidence"]')).to_have_text(
        re.compile(r"\d+% \(the model alone\)|a rule, not a guess"))
    expect(box.locator('[data-field="runner-up"]')).to_have_text(re.compile(r"\S+ \(\d+%\)"))
    sources = box.locator("li.source")
    assert sources.count() >= 2
    for index in range(sources.count()):
        expect(sources.nth(index).locator(".where")).to_have_text(WHERE)
    examples = box.locator("li.example .where")
    assert examples.count() >= 1
    expect(examples.first).to_have_text(re.compile(r"data/nlu/crisis\.yml, line \d+"))

    # A knowledge question: the answer's full name, its file and line.
    page.get_by_label("Message").fill("what is a t visa")
    page.get_by_role("button", name="Send").click()
    second = page.locator(".explanation").nth(1)
    expect(second).to_be_visible(timeout=60_000)
    expect(second.locator('[data-field="picked"]')).to_have_text(re.compile(r"faq/\w+"))
    expect(second.locator('[data-field="confidence"]')).to_have_text(re.compile(r"^\d+%$"))
    expect(second.locator('[data-field="answer"]')).to_have_text(re.compile(r"data/nlu/[\w/]+\.yml, line \d+"))

    page.get_by_role("button", name="Start again").click()
    expect(page.locator("#status")).to_contain_text("forgotten")
    expect(page.locator(".explanation")).to_have_count(0)
    # Everything the page needed came from the preview itself.
    assert asked and all(url.startswith(preview) for url in asked), asked
    context.close()
