import json

import pytest

from app import progress


@pytest.fixture
def store():
    memory = progress.MemoryStorage()
    progress.use_storage(memory)
    yield memory
    progress.use_storage(progress.MemoryStorage())


def test_solving_every_registered_exercise_marks_the_lesson_done(store):
    progress.register("entropy", ["a", "b"])
    assert progress.mark_solved("entropy", "a") is False
    assert progress.mark_solved("entropy", "a") is False  # solving twice counts once
    assert progress.mark_solved("entropy", "b") is True
    saved = json.loads(store.items[progress.STORAGE_KEY])
    assert saved == {"entropy": {"solved": ["a", "b"], "done": True}}
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
