"""The progress file: its schema, the merge rules, every refusal, the completion sheet and the
course map's progress area (natively, with an in-memory store standing in for localStorage)."""

import json

import pytest

from app import progress, progress_file, shell
from app.code_exercises import registry, saved_code
from app.components.code_exercise import CodeExerciseCard
from app.components.completion_sheet import sheet_html
from app.components.progress_panel import ProgressPanel

T1, T2, T3 = "2026-12-01T09:00:00Z", "2026-12-02T09:00:00Z", "2026-12-03T09:00:00Z"
CODE_ID = "code-entropy"


@pytest.fixture
def store():
    memory = progress.MemoryStorage()
    progress.use_storage(memory)
    yield memory
    progress.use_storage(progress.MemoryStorage())


def _file(**overrides) -> dict:
    document = {
        "format": progress_file.FORMAT,
        "version": progress_file.VERSION,
        "site": {"name": "CNN Classroom", "version": "0.1.0+abc"},
        "exported_at": T3,
        "lessons": {
            "entropy": {
                "done": True,
                "completed_at": T2,
                "exercises": {"container-bits": T1, "uniform-die": T2, "nats": None},
            }
        },
        "code": {CODE_ID: "def entropy(p):\n    return 1.0\n"},
    }
    document.update(overrides)
    return document


def _raw(document: dict) -> bytes:
    return json.dumps(document).encode()


# -- schema --------------------------------------------------------------------------------------


def test_an_exported_file_says_what_it_is_and_reads_back_the_same(store):
    data = {
        "entropy": {
            "solved": ["nats", "uniform-die"],
            "done": False,
            "solved_at": {"nats": T1},
            "draws": {"nats": 2},
        },
        "softmax": {"solved": [], "done": False, "draws": {"temperature": 1}},  # only draws
    }
    document = progress_file.export(data, {CODE_ID: "x = 1", "code-softmax": "  \n"}, T3)
    assert document["format"] == "cnn-classroom-progress" and document["version"] == 1
    assert document["site"]["version"] == progress_file.site_version()
    assert document["exported_at"] == T3
    # Draws are this browser's business; a lesson with nothing completed is left out; empty
    # code is no code; a time not recorded is null, not invented.
    assert document["lessons"] == {
        "entropy": {
            "done": False,
            "completed_at": None,
            "exercises": {"nats": T1, "uniform-die": None},
        }
    }
    assert document["code"] == {CODE_ID: "x = 1"}
    read = progress_file.read(progress_file.dumps(document).encode())
    assert read.lessons["entropy"].exercises == {"nats": T1, "uniform-die": None}
    assert read.code == {CODE_ID: "x = 1"} and read.exported_at == T3


def test_the_download_carries_this_browsers_progress_and_code(store, monkeypatch):
    monkeypatch.setattr(progress, "now", lambda: T3)
    progress.mark_solved("entropy", "nats")
    saved_code.save(CODE_ID, "print('mine')")
    name, text = progress_file.download()
    assert name == "cnn-classroom-progress-2026-12-03.json"
    document = json.loads(text)
    assert document["lessons"]["entropy"]["exercises"] == {"nats": T3}
    assert document["code"] == {CODE_ID: "print('mine')"}


# -- merge rules ---------------------------------------------------------------------------------


def test_import_adds_what_is_missing_keeps_the_earlier_time_and_removes_nothing(store):
    store.items[progress.STORAGE_KEY] = json.dumps(
        {
            "entropy": {
                "solved": ["uniform-die"],
                "done": False,
                "solved_at": {"uniform-die": T3},  # solved here later than in the file
                "draws": {"nats": 4},
            },
            "softmax": {"solved": ["temperature"], "done": False, "solved_at": {"temperature": T1}},
        }
    )
    lines = progress_file.import_file(_raw(_file()))
    assert lines[0] == (
        "2 exercises added, 1 lesson newly complete (Entropy), 1 completion time taken from the "
        "file (earlier, or not recorded here), nothing removed."
    )
    merged = progress.load()
    assert merged["entropy"] == {
        "solved": ["uniform-die", "container-bits", "nats"],
        "done": True,
        "draws": {"nats": 4},
        "solved_at": {"uniform-die": T2, "container-bits": T1},
        "done_at": T2,
    }
    assert merged["softmax"]["solved"] == ["temperature"]  # only here: kept


def test_a_completion_here_survives_a_file_without_it_and_keeps_its_earlier_time(store):
    mine = {"solved": ["nats"], "done": True, "solved_at": {"nats": T1}, "done_at": T1}
    store.items[progress.STORAGE_KEY] = json.dumps({"entropy": mine})
    older = _file(
        lessons={"entropy": {"done": True, "completed_at": T3, "exercises": {"nats": T3}}}
    )
    lines = progress_file.import_file(_raw(older))
    assert lines[0] == "Nothing new: everything in the file was already here. Nothing removed."
    assert progress.load()["entropy"] == mine


def test_imported_code_fills_only_empty_exercises_and_says_whose_code_was_kept(store):
    saved_code.save(CODE_ID, "my own entropy")
    saved_code.save("code-softmax", "   ")
    document = _file(code={CODE_ID: "the file's entropy", "code-softmax": "def softmax(z): ..."})
    lines = progress_file.import_file(_raw(document))
    entropy, softmax = registry.get(CODE_ID).title, registry.get("code-softmax").title
    assert f"Your code for “{softmax}” was taken from the file (you had none here)." in lines
    assert (
        f"Your code here for “{entropy}” was kept; the file's different version of it was not "
        "imported." in lines
    )
    assert saved_code.load(CODE_ID) == "my own entropy"
    assert saved_code.load("code-softmax") == "def softmax(z): ..."


def test_lessons_and_code_this_site_does_not_have_are_skipped_by_name(store):
    document = _file(
        lessons={"quantum-cnn": {"done": True, "exercises": {"a": None}}},
        code={"code-quantum": "pass"},
    )
    lines = progress_file.import_file(_raw(document))
    assert lines[-1] == (
        "Skipped, because this site has no such lesson or exercise: quantum-cnn, code-quantum."
    )
    assert progress.load() == {} and saved_code.load_all() == {}


# -- refusals: each one changes nothing ------------------------------------------------------------

REFUSED = {
    "cut short": (_raw(_file())[:-20], "not JSON text, or it was cut short"),
    "not text": (b"\x89PNG\r\n\x1a\n\x00\xff", "not JSON text"),
    "another program's JSON": (b'{"name": "my-app", "version": "1.0.0"}', "not a CNN Classroom"),
    "a JSON list": (b"[1, 2, 3]", "not a CNN Classroom"),
    "a newer format": (_raw(_file(version=2)), "newer CNN Classroom (file format 2"),
    "no version": (_raw(_file(version="1")), "damaged: its format version"),
    "no site": (_raw(_file(site="CNN")), "damaged: the site version"),
    "lessons not a record": (_raw(_file(lessons=["entropy"])), "“lessons” is not a record"),
    "done not a boolean": (
        _raw(_file(lessons={"entropy": {"done": "yes", "exercises": {}}})),
        "“done” is not true or false",
    ),
    "a time that is not one": (
        _raw(_file(lessons={"entropy": {"exercises": {"nats": "yesterday"}}})),
        "exercise “nats” is not a time",
    ),
    "markup as an exercise name": (
        _raw(_file(lessons={"entropy": {"exercises": {"<img src=x onerror=alert(1)>": None}}})),
        "has an exercise name that is not one",
    ),
    "code that is not text": (_raw(_file(code={CODE_ID: 42})), "the code for “code-entropy”"),
    "too large": (
        _raw(_file(code={CODE_ID: "#" * (progress_file.MAX_BYTES + 1)})),
        "a progress file is at most 512 kB",
    ),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_a_bad_file_is_refused_with_a_message_and_changes_nothing(store, name):
    progress.mark_solved("softmax", "temperature")
    saved_code.save(CODE_ID, "mine")
    before = dict(store.items)
    raw, reason = REFUSED[name]
    with pytest.raises(progress_file.RefusedFile) as refusal:
        progress_file.import_file(raw)
    assert reason in str(refusal.value)
    assert str(refusal.value).endswith(progress_file.NOTHING_CHANGED)
    assert store.items == before


# -- the completion sheet and the progress area ----------------------------------------------------


def test_the_completion_sheet_lists_what_was_done_when_and_escapes_the_name():
    data = {
        "entropy": {
            "solved": ["nats", CODE_ID],
            "done": True,
            "solved_at": {"nats": T1},
            "done_at": T2,
        }
    }
    html = sheet_html("<script>alert(1)</script> Ada", data, "3 Dec 2026", "0.1.0+abc")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; Ada" in html
    assert "1 of 14 lessons completed, 2 exercises solved. Printed 3 Dec 2026." in html
    assert "<td>Entropy</td>\n<td>completed 2 Dec 2026, 09:00 UTC</td>" in html
    assert "Nats (1 Dec 2026, 09:00 UTC)" in html
    assert f"{registry.get(CODE_ID).title} (time not recorded)" in html
    assert "Site version 0.1.0+abc." in html


def test_the_progress_area_shows_a_summary_or_a_refusal_as_text_never_as_markup(store):
    panel = ProgressPanel()
    hostile = _file(lessons={"<img src=x onerror=alert(1)>": {"done": True, "exercises": {}}})
    panel.import_bytes(_raw(hostile))
    assert "<img" not in panel.message.object and "&lt;img src=x" in panel.message.object
    assert 'class="feedback correct"' in panel.message.object
    panel.import_bytes(b"{oops")
    assert 'class="feedback wrong"' in panel.message.object
    assert "not JSON text" in panel.message.object


def test_reset_asks_first_then_clears_progress_and_brings_back_the_starter_code(store):
    progress.mark_solved("softmax", "temperature")
    saved_code.save(CODE_ID, "my code")
    panel = ProgressPanel()
    panel.ask_reset()
    assert panel.confirm_box.visible and progress.solved("softmax") == {"temperature"}
    panel.cancel_reset()
    assert not panel.confirm_box.visible and saved_code.load(CODE_ID) == "my code"
    panel.ask_reset()
    panel.reset()
    assert progress.load() == {} and not progress.is_done("softmax")
    card = CodeExerciseCard(registry.get(CODE_ID))
    assert card.code == registry.get(CODE_ID).starter
    assert "0 of 14 lessons" in panel.overview.object


def test_the_course_map_shows_the_progress_area(store):
    result, view, _rest = shell.load_view("home")
    assert result["status"] == "ok"
    assert "progress-panel" in view.css_classes
