// The code exercises' editor: CodeMirror 6 with Python highlighting, line numbers, and Tab that
// indents (Esc then Tab leaves the editor: CodeMirror's own escape from the Tab key). Bundled by
// sitebuild/editor.py into vendor/code-editor.js; app/components/code_exercise.py mounts it.
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { python } from "@codemirror/lang-python";
import {
  HighlightStyle,
  bracketMatching,
  indentOnInput,
  indentUnit,
  syntaxHighlighting,
} from "@codemirror/language";
import { EditorState } from "@codemirror/state";
import {
  EditorView,
  drawSelection,
  highlightActiveLine,
  highlightActiveLineGutter,
  keymap,
  lineNumbers,
} from "@codemirror/view";
import { tags } from "@lezer/highlight";
import { submit, warmWhenIdle } from "./runner.js";

// Colours are the page's palette variables (static/style.css), which reach the editor inside
// its shadow root and switch with the page's colour scheme, so the editor needs no theme of its
// own and no re-creation when the scheme changes.
const highlightStyle = HighlightStyle.define([
  { tag: [tags.keyword, tags.controlKeyword, tags.operatorKeyword, tags.definitionKeyword],
    color: "var(--code-keyword)" },
  { tag: [tags.string, tags.special(tags.string)], color: "var(--code-string)" },
  { tag: [tags.number, tags.bool, tags.null], color: "var(--code-number)" },
  { tag: tags.comment, color: "var(--code-comment)", fontStyle: "italic" },
  { tag: [tags.definition(tags.variableName), tags.function(tags.definition(tags.variableName))],
    color: "var(--code-definition)" },
  { tag: [tags.className, tags.typeName, tags.standard(tags.variableName)],
    color: "var(--code-type)" },
  { tag: tags.invalid, color: "var(--bad-ink)" },
]);

const paletteTheme = EditorView.theme({
  "&": { color: "var(--text)", backgroundColor: "var(--surface)" },
  ".cm-content": { caretColor: "var(--text)" },
  ".cm-cursor, .cm-dropCursor": { borderLeftColor: "var(--text)" },
  ".cm-gutters": {
    color: "var(--text-soft)", backgroundColor: "var(--surface-raised)", borderRight: "1px solid var(--line)",
  },
  ".cm-activeLine": { backgroundColor: "var(--code-active-line)" },
  ".cm-activeLineGutter": { backgroundColor: "var(--code-active-line)" },
  "&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground":
    { backgroundColor: "var(--code-selection)" },
  "&.cm-focused .cm-matchingBracket": { backgroundColor: "var(--code-selection)", outline: "1px solid var(--line-strong)" },
});

const SYNC_DELAY_MS = 400;

// BokehJS hands a Python dict over as a Map.
const plain = (value) => (value instanceof Map ? Object.fromEntries(value) : value) || {};

/**
 * Mounts an editor in `host` for a CodeEditor model `data` (text, label, request, result).
 * Returns the handle the component's one-line scripts call.
 */
export function mount(host, data) {
  let timer = null;
  let sent = plain(data.text).code; // the text last given to Python: its echo must not undo typing
  const send = () => {
    clearTimeout(timer);
    sent = view.state.doc.toString();
    data.text = { code: sent };
  };
  const view = new EditorView({
    parent: host,
    root: host.getRootNode(),
    state: EditorState.create({
      doc: sent,
      extensions: [
        lineNumbers(),
        highlightActiveLineGutter(),
        history(),
        drawSelection(),
        indentOnInput(),
        bracketMatching(),
        highlightActiveLine(),
        indentUnit.of("    "),
        python(),
        syntaxHighlighting(highlightStyle),
        paletteTheme,
        keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
        // tabindex: axe counts a contenteditable as keyboard-reachable only with one, and the
        // scroller holding it (wider than a phone) must have something reachable inside.
        EditorView.contentAttributes.of({ "aria-label": data.label, tabindex: "0" }),
        EditorView.updateListener.of((update) => {
          if (!update.docChanged) return;
          clearTimeout(timer);
          timer = setTimeout(send, SYNC_DELAY_MS);
        }),
      ],
    }),
  });
  warmWhenIdle();

  return {
    submit(message) {
      const request = plain(message);
      if (!request.id) return;
      send();
      submit({ ...request, code: sent }).then((result) => {
        data.result = { ...result, id: request.id };
      });
    },
    show(text) {
      const { code } = plain(text);
      if (typeof code !== "string" || code === sent || code === view.state.doc.toString()) return;
      sent = code;
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: code } });
    },
    destroy() {
      clearTimeout(timer);
      view.destroy();
    },
  };
}
