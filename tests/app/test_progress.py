import json

import pytest

from app import progress


@pytest.fixture
def store():
    memory = progress.MemoryStorage()
    progress.use_storage(memory)
    yield memory
    progress.use_storage(progress.MemoryStorage())


def test_solving_every_declared_exercise_marks_the_lesson_done_and_when(store, monkeypatch):
    monkeypatch.setattr(progress.catalog, "exercise_ids", lambda slug: frozenset({"a", "b"}))
    clock = iter(["2026-12-01T10:00:00Z", "2026-12-02T10:00:00Z", "2026-12-03T10:00:00Z"])
    monkeypatch.setattr(progress, "now", lambda: next(clock))
    assert progress.mark_solved("entropy", "a") is False
    assert progress.mark_solved("entropy", "a") is False  # solving twice counts once
    assert progress.mark_solved("entropy", "b") is True
    saved = json.loads(store.items[progress.STORAGE_KEY])
    assert saved == {
        "entropy": {
            "solved": ["a", "b"],
            "done": True,
            # The first solve's time is kept; the lesson was done when its last exercise was.
            "solved_at": {"a": "2026-12-01T10:00:00Z", "b": "2026-12-03T10:00:00Z"},
            "done_at": "2026-12-03T10:00:00Z",
        }
    }
    assert store.notifications == 3
    assert progress.is_done("entropy") and progress.solved("entropy") == {"a", "b"}


def test_other_lessons_progress_is_kept_when_one_is_written(store):
    store.items[progress.STORAGE_KEY] = json.dumps({"softmax": {"solved": ["x"], "done": True}})
    progress.mark_solved("entropy", "a")
    assert progress.load()["softmax"] == {"solved": ["x"], "done": True}


def test_unreadable_storage_is_backed_up_before_it_is_overwritten(store):
    store.items[progress.STORAGE_KEY] = "{not json"
    assert progress.load() == {}
    assert "could not be read" in progress.take_warnings()[0]
    progress.mark_solved("entropy", "a")
    assert store.items[progress.BACKUP_KEY] == "{not json"
    assert json.loads(store.items[progress.STORAGE_KEY])["entropy"]["solved"] == ["a"]


def test_damaged_entries_are_skipped_with_a_message_and_good_ones_kept(store):
    store.items[progress.STORAGE_KEY] = json.dumps(
        {"entropy": "oops", "softmax": {"solved": ["x", 3]}, "encoding": {"solved": ["y"]}}
    )
    data = progress.load()
    assert data == {
        "softmax": {"solved": ["x"], "done": False},
        "encoding": {"solved": ["y"], "done": False},
    }
    messages = progress.take_warnings()
    assert any("entropy" in message for message in messages)
    assert any("softmax" in message for message in messages)


def test_a_damage_warning_is_handed_out_once_although_storage_stays_damaged(store):
    store.items[progress.STORAGE_KEY] = "{not json"
    progress.load()
    assert len(progress.take_warnings()) == 1
    progress.load()  # the next lesson reads the same damaged storage
    assert progress.take_warnings() == []
    assert store.items[progress.BACKUP_KEY] == "{not json"


class _BlockedStorage:
    """What a browser with storage blocked gives: every access raises (a SecurityError)."""

    def getItem(self, key):
        raise RuntimeError("SecurityError: The operation is insecure.")

    setItem = getItem


class _Window:
    def __init__(self) -> None:
        self.localStorage = _BlockedStorage()
        self.window = self
        self.events = []

    def dispatchEvent(self, event) -> None:
        self.events.append(event)

    class Event:
        @staticmethod
        def new(name):
            return name


def test_blocked_storage_keeps_progress_for_the_page_and_says_so_once():
    window = _Window()
    progress.use_storage(progress.BrowserStorage(window))
    try:
        assert progress.load() == {}
        assert progress.mark_solved("entropy", "nats") is False  # no exception
        assert progress.solved("entropy") == {"nats"}  # kept in memory for this page
        assert window.events == ["cnn-progress"]
        assert progress.take_warnings() == [progress.BLOCKED_MESSAGE]
        progress.mark_solved("entropy", "uniform-die")
        assert progress.take_warnings() == []
    finally:
        progress.use_storage(progress.MemoryStorage())


def test_a_lesson_with_blocked_storage_opens_and_shows_the_notice():
    from app import catalog
    from app.shell import build_view
    from tests.app.grid_text import captions

    progress.use_storage(progress.BrowserStorage(_Window()))
    try:
        view = build_view("entropy", catalog.module("entropy"))
        assert "does not let the page save anything" in captions(view)
    finally:
        progress.use_storage(progress.MemoryStorage())


def test_problem_draws_are_kept_and_cleaned(store):
    assert progress.draw("softmax", "temperature") == 0
    assert progress.next_draw("softmax", "temperature") == 1
    assert progress.draw("softmax", "temperature") == 1
    store.items[progress.STORAGE_KEY] = json.dumps(
        {"softmax": {"solved": [], "draws": {"temperature": "x", "plain-entry": 2}}}
    )
    assert (
        progress.draw("softmax", "temperature") == 0
        and progress.draw("softmax", "plain-entry") == 2
    )


def test_badly_written_times_are_dropped_and_good_ones_kept(store):
    store.items[progress.STORAGE_KEY] = json.dumps(
        {
            "entropy": {
                "solved": ["a", "b"],
                "done": True,
                "solved_at": {"a": "2026-12-01T10:00:00Z", "b": "yesterday", "ghost": "x"},
                "done_at": 17,
            }
        }
    )
    assert progress.load() == {
        "entropy": {"solved": ["a", "b"], "done": True, "solved_at": {"a": "2026-12-01T10:00:00Z"}}
    }
