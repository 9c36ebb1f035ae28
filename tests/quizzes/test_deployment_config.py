"""The web process's gunicorn settings, as every way of starting it uses them."""

import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_web_workers_are_threaded_so_a_waiting_verdict_read_does_not_block_a_process(
    monkeypatch,
):
    monkeypatch.delenv("GUNICORN_THREADS", raising=False)
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    settings = runpy.run_path(str(ROOT / "config" / "gunicorn.conf.py"))
    assert settings["worker_class"] == "gthread"
    # Each waiting read holds a thread for up to MAX_WAIT_SECONDS.
    assert settings["threads"] >= 8
    assert settings["keepalive"] > 0


def test_the_environment_sizes_the_web_process(monkeypatch):
    monkeypatch.setenv("GUNICORN_THREADS", "4")
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    settings = runpy.run_path(str(ROOT / "config" / "gunicorn.conf.py"))
    assert (settings["threads"], settings["workers"]) == (4, 5)


def test_every_way_of_starting_the_web_process_uses_the_settings():
    for name in ("docker-compose.yml", "Dockerfile", "README.md"):
        text = (ROOT / name).read_text()
        assert "config/gunicorn.conf.py" in text, name
