/**
 * Line-level editing of an INI file: replace, add or remove one section and leave every other
 * byte as it was, comments included. The ini package parses; it cannot rewrite without losing
 * comments, and an operator's notes in api.cfg must survive ProcAPI edits.
 */

const HEADER = /^\s*\[([^\]]+)\]\s*(?:[;#].*)?$/;

interface Section {
  readonly name: string | undefined; // undefined: lines before the first header
  readonly lines: string[];
}

function split(text: string): { sections: Section[]; newline: string; finalNewline: boolean } {
  const newline = text.includes('\r\n') ? '\r\n' : '\n';
  const finalNewline = text.length === 0 || text.endsWith('\n');
  const lines = text.split(/\r?\n/);
  if (finalNewline) lines.pop();
  const sections: Section[] = [{ name: undefined, lines: [] }];
  for (const line of lines) {
    const m = HEADER.exec(line);
    if (m) sections.push({ name: m[1]!.trim(), lines: [line] });
    else sections[sections.length - 1]!.lines.push(line);
  }
  return { sections, newline, finalNewline };
}

const isNote = (line: string): boolean => /^\s*([;#].*)?$/.test(line);

/**
 * The comment and blank lines at the end of a section usually introduce the next one: they stay
 * when the section itself is replaced or removed.
 */
function trailingNotes(section: Section): string[] {
  let i = section.lines.length;
  while (i > 1 && isNote(section.lines[i - 1]!)) i--;
  return section.lines.slice(i);
}

function render(sections: Section[], newline: string, finalNewline: boolean): string {
  const text = sections.flatMap((s) => s.lines).join(newline);
  return finalNewline && text.length > 0 ? `${text}${newline}` : text;
}

export function sectionText(name: string, keys: Readonly<Record<string, string>>): string[] {
  return [`[${name}]`, ...Object.entries(keys).map(([k, v]) => `${k} = ${v}`)];
}

export function hasSection(text: string, name: string): boolean {
  return split(text).sections.some((s) => s.name === name);
}

/** Replaces section `name` with `keys` in place, or appends it when absent. */
export function putSection(text: string, name: string, keys: Readonly<Record<string, string>>): string {
  const { sections, newline, finalNewline } = split(text);
  const at = sections.findIndex((s) => s.name === name);
  if (at >= 0) {
    const old = sections[at]!;
    sections[at] = { name, lines: [...sectionText(name, keys), ...trailingNotes(old)] };
  } else {
    const last = sections[sections.length - 1]!;
    const needsGap = last.lines.length > 0 && last.lines[last.lines.length - 1]!.trim() !== '';
    sections.push({ name, lines: [...(needsGap ? [''] : []), ...sectionText(name, keys)] });
  }
  return render(sections, newline, finalNewline || at < 0);
}

/** Removes section `name` (its own comments too, not the notes that introduce the next one). */
export function removeSection(text: string, name: string): string {
  const { sections, newline, finalNewline } = split(text);
  const at = sections.findIndex((s) => s.name === name);
  if (at < 0) return text;
  const notes = trailingNotes(sections[at]!);
  sections.splice(at, 1);
  if (notes.length > 0) sections[at - 1]!.lines.push(...notes);
  return render(sections, newline, finalNewline);
}

const KEY_LINE = /^\s*([^=;#\s][^=]*?)\s*=/;

/**
 * Sets one key of section `name` to `value`, in place when the key is there (the rest of its line
 * after a comment marker is dropped with the old value), else as the section's last key. Every
 * other line stays byte for byte. A missing section is added.
 */
export function setKey(text: string, name: string, key: string, value: string): string {
  const { sections, newline, finalNewline } = split(text);
  const section = sections.find((s) => s.name === name);
  if (!section) return putSection(text, name, { [key]: value });
  const line = `${key} = ${value}`;
  const at = section.lines.findIndex((l, i) => i > 0 && KEY_LINE.exec(l)?.[1] === key);
  if (at > 0) section.lines[at] = line;
  else section.lines.splice(section.lines.length - trailingNotes(section).length, 0, line);
  return render(sections, newline, finalNewline);
}
