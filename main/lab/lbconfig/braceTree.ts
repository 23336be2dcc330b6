import { LbConfigError, type Source } from './model';

/** One directive of a brace-structured file: `name arg…;` or `name arg… { children }`. */
export interface Directive {
  name: string;
  args: string[];
  children?: Directive[];
  line: number;
  /** The directive's own source line, for citing it. */
  source: Source;
}

/**
 * Reads nginx.conf (statements end with `;`) and tmsh output (statements end at the line's end)
 * into a tree, keeping each directive's line. Quotes, escapes and `#` comments as both products
 * read them; an unbalanced brace or an unterminated quote is an error naming its line.
 */
export function braceTree(text: string, file: string, terminator: ';' | 'newline'): Directive[] {
  const lines = text.split(/\r?\n/);
  const root: Directive[] = [];
  const stack: { list: Directive[]; open: Directive | null }[] = [{ list: root, open: null }];
  let words: string[] = [];
  let startLine = 0;
  let word: string | null = null;
  let quote: string | null = null;
  let quoteLine = 0;

  const flushWord = () => {
    if (word !== null) words.push(word);
    word = null;
  };
  const emit = (block: boolean, line: number) => {
    flushWord();
    if (!words.length) {
      if (block) throw new LbConfigError(file, line, 'a `{` without a directive before it');
      return;
    }
    const [name, ...args] = words;
    const d: Directive = { name: name!, args, line: startLine, source: { line: startLine, text: lines[startLine - 1] ?? '' } };
    stack.at(-1)!.list.push(d);
    if (block) {
      d.children = [];
      stack.push({ list: d.children, open: d });
    }
    words = [];
  };

  for (let i = 0; i < lines.length; i++) {
    const ln = i + 1;
    const s = lines[i]!;
    for (let j = 0; j < s.length; j++) {
      const c = s[j]!;
      if (quote) {
        if (c === '\\' && j + 1 < s.length) word += s[++j]!;
        else if (c === quote) quote = null;
        else word += c;
        continue;
      }
      if (c === '#' && word === null) break;
      if (/\s/.test(c)) {
        flushWord();
        continue;
      }
      if (!words.length && word === null) startLine = ln;
      if (c === '"' || c === "'") {
        quote = c;
        quoteLine = ln;
        word ??= '';
      } else if (c === '{') {
        emit(true, ln);
      } else if (c === '}') {
        if (terminator === ';' && (words.length || word !== null)) throw new LbConfigError(file, ln, `\`${[...words, word ?? ''].join(' ').trim()}\` needs a \`;\` before \`}\``);
        emit(false, ln);
        if (stack.length === 1) throw new LbConfigError(file, ln, 'a `}` that closes nothing');
        stack.pop();
      } else if (c === ';' && terminator === ';') {
        emit(false, ln);
      } else {
        word = (word ?? '') + c;
      }
    }
    if (quote) {
      if (terminator === 'newline') throw new LbConfigError(file, quoteLine, 'a quote that is never closed');
      word += '\n';
      continue;
    }
    if (terminator === 'newline') emit(false, ln);
  }
  if (quote) throw new LbConfigError(file, quoteLine, 'a quote that is never closed');
  flushWord();
  if (words.length) throw new LbConfigError(file, startLine, `\`${words.join(' ')}\` is not finished (missing \`;\`)`);
  if (stack.length > 1) {
    const open = stack.at(-1)!.open!;
    throw new LbConfigError(file, open.line, `the \`${open.name}\` block opened here is never closed`);
  }
  return root;
}

/** Every directive named `name` in a tree, depth first. */
export function findAll(tree: Directive[], name: string): Directive[] {
  const out: Directive[] = [];
  const walk = (list: Directive[]) => {
    for (const d of list) {
      if (d.name === name) out.push(d);
      if (d.children) walk(d.children);
    }
  };
  walk(tree);
  return out;
}
