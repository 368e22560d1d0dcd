// Where a field of a YAML document is written: the line a refusal of the DLaaS manifest is
// about. Block-style YAML only, which is what manifests are; a field written inside a flow
// mapping ({a: 1}) or not written at all is placed at its nearest written parent.

interface KeyLine {
  line: number; // 1-based
  indent: number;
  key: string;
}

// The seed's other spellings, which the platform accepts and reports under the main name.
const ALIASES: Record<string, string[]> = {
  training_data_reference: ["training_data"],
  training_results_reference: ["training_results"],
  access_key_id: ["aws_access_key_id"],
  secret_access_key: ["aws_secret_access_key"],
};

function keyLines(text: string): (KeyLine | null)[] {
  return text.split("\n").map((raw, i) => {
    const match = /^(\s*(?:-\s+)*)(["']?)([^"'#:\s][^"'#:]*?)\2\s*:(\s|$)/.exec(raw);
    if (!match) return null;
    return { line: i + 1, indent: match[1].length, key: match[3].trim() };
  });
}

/** The 1-based line of `field` ("model_definition.execution.resource") in `text`, or null. */
export function lineOfField(text: string, field: string): number | null {
  const lines = keyLines(text);
  const isContent = (i: number) => {
    const raw = text.split("\n")[i] ?? "";
    return raw.trim() !== "" && !raw.trim().startsWith("#");
  };
  const rawLines = text.split("\n");
  let start = 0;
  let end = rawLines.length;
  let parentIndent = -1;
  let found: number | null = null;
  for (const part of field.split(".").filter((p) => !/^\d+$/.test(p))) {
    const names = [part, ...(ALIASES[part] ?? [])];
    const children = lines.slice(start, end).filter((k): k is KeyLine => !!k && k.indent > parentIndent);
    if (!children.length) break;
    const level = Math.min(...children.map((k) => k.indent));
    const hit = children.find((k) => k.indent === level && names.includes(k.key));
    if (!hit) break;
    found = hit.line;
    parentIndent = hit.indent;
    start = hit.line; // the lines after it (0-based index of the next line)
    let stop = start;
    while (stop < rawLines.length) {
      const indent = rawLines[stop].length - rawLines[stop].trimStart().length;
      if (isContent(stop) && indent <= hit.indent && !/^\s*-\s/.test(rawLines[stop].slice(0, hit.indent + 2))) break;
      stop++;
    }
    end = stop;
  }
  return found;
}

/** The line a refusal names: "line 3, column 5: ..." in a YAML error, else its field's line. */
export function lineOfProblem(text: string, field: string, problem: string): number | null {
  const said = /\bline (\d+)/.exec(problem);
  if (said) return Number(said[1]);
  const path = field.replace(/^manifest\.?/, "");
  return path ? lineOfField(text, path) : null;
}
