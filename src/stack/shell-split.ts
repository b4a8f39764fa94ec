/**
 * Split a command line into words the way a POSIX shell would, without running one: whitespace
 * separates words, '...' is literal, "..." allows \" \\ \$ \` escapes, and a backslash outside
 * quotes escapes the next character. No expansion of any kind. Compose does the same for
 * `command:` and `entrypoint:` given as strings.
 */
export function shellSplit(line: string): { words: string[] } | { error: string } {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return { error: `unterminated ' quote at character ${i + 1}` };
      word += line.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        const next = line[j + 1];
        if (line[j] === '\\' && next !== undefined && '"\\$`'.includes(next)) {
          word += next;
          j++;
        } else {
          word += line[j];
        }
      }
      if (j >= line.length) return { error: `unterminated " quote at character ${i + 1}` };
      inWord = true;
      i = j;
    } else if (c === '\\') {
      if (i + 1 < line.length) word += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return { words };
}
