// Where a JSON pointer's value lies in a JSON text, so an error can be shown at its field.
import { parser } from "@lezer/json";
import type { SyntaxNode } from "@lezer/common";

const VALUES = new Set(["Object", "Array", "String", "Number", "True", "False", "Null"]);

export interface Range {
  from: number;
  to: number;
}

function propertyNamed(object: SyntaxNode, text: string, name: string): SyntaxNode | null {
  for (let child = object.firstChild; child; child = child.nextSibling) {
    if (child.name !== "Property") continue;
    const key = child.getChild("PropertyName");
    if (!key) continue;
    try {
      if (JSON.parse(text.slice(key.from, key.to)) === name) return child;
    } catch {
      // a half-typed key: not this one
    }
  }
  return null;
}

function element(array: SyntaxNode, index: number): SyntaxNode | null {
  let i = 0;
  for (let child = array.firstChild; child; child = child.nextSibling) {
    if (!VALUES.has(child.name)) continue;
    if (i === index) return child;
    i += 1;
  }
  return null;
}

const decode = (part: string) => part.replaceAll("~1", "/").replaceAll("~0", "~");

/**
 * The text range of the value at `pointer` ("/learning_rate"), key included. A missing
 * member gives its parent's opening bracket: where it should be added.
 */
export function locate(text: string, pointer: string): Range {
  let node: SyntaxNode | null = parser.parse(text).topNode.firstChild;
  if (!node) return { from: 0, to: Math.min(1, text.length) };
  let range: Range = { from: node.from, to: node.from + 1 };
  for (const part of pointer.split("/").slice(1).map(decode)) {
    if (node?.name === "Object") {
      const property = propertyNamed(node, text, part);
      if (!property) return { from: node.from, to: node.from + 1 };
      range = { from: property.from, to: property.to };
      node = property.lastChild && VALUES.has(property.lastChild.name) ? property.lastChild : null;
    } else if (node?.name === "Array") {
      const item = element(node, Number(part));
      if (!item) return { from: node.from, to: node.from + 1 };
      range = { from: item.from, to: item.to };
      node = item;
    } else {
      break;
    }
  }
  return range;
}

/** The offset named by a JSON.parse error ("... at position 42"), if the browser gives one. */
export function parseErrorOffset(message: string, text: string): number {
  const position = /position (\d+)/.exec(message);
  if (position) return Math.min(Number(position[1]), text.length);
  const lineCol = /line (\d+) column (\d+)/.exec(message);
  if (lineCol) {
    const lines = text.split("\n").slice(0, Number(lineCol[1]) - 1);
    return Math.min(lines.reduce((n, l) => n + l.length + 1, 0) + Number(lineCol[2]) - 1, text.length);
  }
  return text.length;
}
