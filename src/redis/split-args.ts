// Redis's sdssplitargs: how it splits an inline request (RESP) and a script's or library's
// shebang line into arguments.

/**
 * A line's arguments as Redis's sdssplitargs splits them: blanks separate; "double quotes" take
 * \n \r \t \b \a \\ \" and \xHH escapes; 'single quotes' take \'; a closing quote must be followed
 * by a blank or the end of the line. Undefined for unbalanced quotes, where sdssplitargs fails.
 */
export function splitArgs(line: string): string[] | undefined {
  const argv: string[] = [];
  let i = 0;
  for (;;) {
    while (i < line.length && isBlank(line.charCodeAt(i))) i++;
    if (i >= line.length) return argv;
    let current = "";
    let quote: '"' | "'" | undefined;
    for (;;) {
      if (i >= line.length) {
        if (quote !== undefined) return undefined;
        break;
      }
      const char = line[i]!;
      if (quote !== undefined) {
        if (char === "\\" && quote === '"' && line[i + 1] === "x" && isHex(line[i + 2]) && isHex(line[i + 3])) {
          current += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
          i += 4;
          continue;
        }
        if (char === "\\" && quote === '"' && i + 1 < line.length) {
          current += ESCAPES[line[i + 1]!] ?? line[i + 1]!;
          i += 2;
          continue;
        }
        if (char === "\\" && quote === "'" && line[i + 1] === "'") {
          current += "'";
          i += 2;
          continue;
        }
        if (char === quote) {
          // The closing quote must end the argument.
          if (!endsArgument(line, i + 1)) return undefined;
          i++;
          break;
        }
        current += char;
      } else {
        if (isBlank(line.charCodeAt(i))) break;
        if (char === '"' || char === "'") quote = char;
        else current += char;
      }
      i++;
    }
    argv.push(current);
  }
}

/** Whether a closing quote before `i` ends its argument: the line ends there, or a blank follows. */
function endsArgument(line: string, i: number): boolean {
  return i >= line.length || isBlank(line.charCodeAt(i));
}

const ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", b: "\b", a: "\x07" };

function isBlank(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09 || code === 0x0b || code === 0x0c || code === 0;
}

function isHex(char: string | undefined): boolean {
  return char !== undefined && /^[0-9a-fA-F]$/.test(char);
}
