// The PromQL expression editor: CodeMirror 6 with the official codemirror-promql extension (highlighting, linting,
// and completion of functions, metric names, label names and values fetched from this querier's API).

import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap, insertNewlineAndIndent } from '@codemirror/commands';
import { bracketMatching, defaultHighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { lintKeymap } from '@codemirror/lint';
import { EditorState, Prec } from '@codemirror/state';
import { EditorView, highlightSpecialChars, keymap, placeholder } from '@codemirror/view';
import { PromQLExtension } from '@prometheus-io/codemirror-promql';

export interface ExpressionEditor {
  readonly view: EditorView;
  value(): string;
  destroy(): void;
}

/** One PromQL extension per page: it caches metric names and label values across panels. */
let shared: PromQLExtension | undefined;

function promql(prefix: string): PromQLExtension {
  shared ??= new PromQLExtension().setComplete({
    remote: { url: window.location.origin + prefix, httpMethod: 'GET', cache: { maxAge: 5 * 60_000 } },
  });
  return shared;
}

/** An editor in `parent`; Enter runs `onExecute`, Shift+Enter inserts a newline. */
export function createEditor(parent: HTMLElement, initial: string, prefix: string, onExecute: () => void, onChange: (v: string) => void): ExpressionEditor {
  const run = (): boolean => {
    onExecute();
    return true;
  };
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: initial,
      extensions: [
        highlightSpecialChars(),
        history(),
        bracketMatching(),
        closeBrackets(),
        autocompletion(),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        placeholder('Expression (press Shift+Enter for newlines)'),
        promql(prefix).asExtension(),
        EditorView.lineWrapping,
        // Enter executes unless the completion popup wants it: the completion keymap comes first.
        Prec.highest(keymap.of([...completionKeymap, { key: 'Enter', run }, { key: 'Shift-Enter', run: insertNewlineAndIndent }])),
        keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...lintKeymap]),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) onChange(u.state.doc.toString());
        }),
      ],
    }),
  });
  return { view, value: () => view.state.doc.toString(), destroy: () => view.destroy() };
}
