// A JSON editor (CodeMirror 6) that shows each problem at its field: the field is
// underlined and the message is written at the end of its line.
import { useEffect, useRef } from "react";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { json } from "@codemirror/lang-json";
import { bracketMatching, defaultHighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { EditorState, RangeSetBuilder, StateEffect, StateField } from "@codemirror/state";
import { Decoration, type DecorationSet, EditorView, WidgetType, keymap, lineNumbers } from "@codemirror/view";

export interface Marker {
  from: number;
  to: number;
  message: string;
}

class MessageWidget extends WidgetType {
  constructor(readonly text: string) {
    super();
  }
  eq(other: MessageWidget) {
    return other.text === this.text;
  }
  toDOM() {
    const span = document.createElement("span");
    span.className = "cm-field-problem";
    span.setAttribute("data-testid", "editor-problem");
    span.textContent = `⚠ ${this.text}`;
    return span;
  }
}

const setMarkers = StateEffect.define<Marker[]>();

function decorate(state: EditorState, markers: Marker[]): DecorationSet {
  const length = state.doc.length;
  const byLine = new Map<number, { line: number; from: number; to: number; messages: string[] }>();
  for (const m of markers) {
    const from = Math.max(0, Math.min(m.from, length));
    const to = Math.max(from, Math.min(m.to, length));
    const line = state.doc.lineAt(from);
    const entry = byLine.get(line.number) ?? { line: line.number, from, to, messages: [] };
    entry.from = Math.min(entry.from, from);
    entry.to = Math.max(entry.to, Math.min(to, line.to));
    entry.messages.push(m.message);
    byLine.set(line.number, entry);
  }
  const builder = new RangeSetBuilder<Decoration>();
  for (const e of [...byLine.values()].sort((a, b) => a.line - b.line)) {
    const line = state.doc.line(e.line);
    builder.add(line.from, line.from, Decoration.line({ class: "cm-problem-line" }));
    if (e.to > e.from) builder.add(e.from, e.to, Decoration.mark({ class: "cm-problem-mark" }));
    builder.add(line.to, line.to, Decoration.widget({ widget: new MessageWidget(e.messages.join("; ")), side: 1 }));
  }
  return builder.finish();
}

const markerField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(value, tr) {
    for (const effect of tr.effects) if (effect.is(setMarkers)) return decorate(tr.state, effect.value);
    return value.map(tr.changes);
  },
  provide: (field) => EditorView.decorations.from(field),
});

export function JsonEditor(props: { value: string; onChange: (text: string) => void; markers: Marker[]; testId?: string }) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const onChange = useRef(props.onChange);
  onChange.current = props.onChange;

  useEffect(() => {
    const editor = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: props.value,
        extensions: [
          lineNumbers(),
          history(),
          bracketMatching(),
          keymap.of([...defaultKeymap, ...historyKeymap]),
          json(),
          syntaxHighlighting(defaultHighlightStyle),
          markerField,
          EditorView.lineWrapping,
          EditorView.updateListener.of((update) => {
            if (update.docChanged) onChange.current(update.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = editor;
    return () => editor.destroy();
    // The editor is made once; later values arrive through the effect below.
  }, []);

  useEffect(() => {
    const editor = view.current;
    if (editor && editor.state.doc.toString() !== props.value) {
      editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: props.value } });
    }
  }, [props.value]);

  useEffect(() => {
    view.current?.dispatch({ effects: setMarkers.of(props.markers) });
  }, [props.markers, props.value]);

  return <div className="json-editor" ref={host} data-testid={props.testId} />;
}
