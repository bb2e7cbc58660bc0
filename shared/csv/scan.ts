/**
 * The record scanner: a hand-written state machine over decoded text (RFC 4180 plus what
 * real exports do). Chosen by measurement over uDSV (bench/csv*.bench.ts, bench/README.md):
 * within ~15 % of uDSV's tokenizer (≈ 1.2 M vs 1.4 M rows/s here) and, unlike it, it knows
 * the physical line of every record, survives a CRLF or a quote split across chunks, and
 * recovers from a broken quote.
 *
 * Recovery (design.md §3.2: a malformed record is reported and the rest is still read):
 * - a record on one physical line with the wrong number of cells is malformed; reading
 *   goes on at the next line;
 * - a record that is broken (an unclosed quote, text after a closing quote, more than
 *   MAX_RECORD_LINES lines or MAX_RECORD_CHARS characters) or that spans several physical
 *   lines and has the wrong number of cells is malformed AT ITS FIRST LINE, and reading
 *   starts again at its second physical line. A stray quote thus costs one row, not the
 *   rest of the file: a runaway quoted field almost always ends on the next opening quote
 *   it meets, which is followed by text (→ "text after a closing quote") and unmasks it.
 *   The cells of such a record are its first physical line split on the delimiter.
 * Also: blank lines and rows whose cells are all blank are skipped (they still count as
 * physical lines); extra trailing EMPTY cells (a delimiter at the end of the line)
 * are dropped; a quote inside an unquoted cell is kept as a character.
 * Line breaks: LF or CRLF, or a lone CR (Excel for Mac's "CSV" export) when the header
 * line ends with one. Fields are found with indexOf (memchr-fast), not char by char: a
 * CR/LF split across two chunks is never seen half, since a record is only taken once
 * its LF is in the text.
 */

/** a quoted field spanning more lines than this is taken for a quote left open */
export const MAX_RECORD_LINES = 1000;
/** a record longer than this is malformed (a 10 MB cell is fine) */
export const MAX_RECORD_CHARS = 64 * 1024 * 1024;

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

export interface RecordSink<T> {
  record(line: number, cells: string[]): T;
  malformed(line: number, cells: string[], detail: string): T;
}

export type LineBreak = '\n' | '\r';

function isBlank(cells: string[]): boolean {
  for (const cell of cells) if (cell !== '' && cell.trim() !== '') return false;
  return true;
}

export class RecordScanner<T> {
  /** physical line (1-based) of the next character to scan */
  line: number;
  /** cells a data record must have; undefined while reading the header */
  expectedCells: number | undefined;
  readonly delimiter: string;
  /** '\n' for LF and CRLF files, '\r' for lone-CR files */
  readonly lineBreak: LineBreak;
  private readonly sink: RecordSink<T>;

  constructor(delimiter: string, sink: RecordSink<T>, line = 1, lineBreak: LineBreak = '\n') {
    this.delimiter = delimiter;
    this.sink = sink;
    this.line = line;
    this.lineBreak = lineBreak;
  }

  /**
   * Scans complete records of `text` from `from`, pushing them to `out` (at most `limit`).
   * Returns the index of the first character not consumed: the start of a record that may
   * continue in the next chunk (nothing is left when `final`).
   */
  scan(text: string, from: number, final: boolean, out: T[], limit = Number.POSITIVE_INFINITY): number {
    const n = text.length;
    const delimiter = this.delimiter;
    const delimiterCode = delimiter.charCodeAt(0);
    const eol = this.lineBreak;
    const eolCode = eol.charCodeAt(0);
    const lfMode = eol === '\n';
    let i = from;
    let line = this.line;
    let emitted = 0;
    // next delimiter / line break at or after i (n when none): recomputed only once passed
    let nextDelimiter = -1;
    let nextBreak = -1;
    while (i < n && emitted < limit) {
      const start = i;
      const startLine = line;
      let c = text.charCodeAt(i);
      if (c === LF) {
        // a blank line; in lone-CR mode, the LF of a CRLF
        i++;
        if (lfMode) line++;
        continue;
      }
      if (c === CR) {
        if (!lfMode) {
          i++;
          line++;
          continue;
        }
        if (i + 1 >= n && !final) break;
        if (text.charCodeAt(i + 1) === LF) {
          i += 2;
          line++;
          continue;
        }
      }
      const cells: string[] = [];
      let breaks = 0; // line breaks inside quoted fields
      let end = -1; // index after the record's line break
      let problem: string | undefined;
      let incomplete = false;
      for (;;) {
        if (i < n && text.charCodeAt(i) === QUOTE) {
          let j = i + 1;
          let segment = j;
          let value = '';
          let closed = false;
          for (;;) {
            const q = text.indexOf('"', j);
            if (q === -1) {
              j = n;
              break;
            }
            j = q;
            if (q + 1 >= n) {
              // the last character of the text: `"` or the first half of `""`?
              closed = final;
              break;
            }
            if (text.charCodeAt(q + 1) !== QUOTE) {
              closed = true;
              break;
            }
            value += text.slice(segment, q + 1);
            j = q + 2;
            segment = j;
          }
          let p = text.indexOf(eol, i + 1);
          while (p !== -1 && p < j) {
            breaks++;
            p = text.indexOf(eol, p + 1);
          }
          nextBreak = p === -1 ? n : p;
          if (!closed) {
            if (final) problem = 'unclosed quote';
            else incomplete = true;
            i = j;
            break;
          }
          cells.push(segment === i + 1 ? text.slice(segment, j) : value + text.slice(segment, j));
          i = j + 1;
          if (i >= n) {
            if (final) end = n;
            else incomplete = true;
            break;
          }
          c = text.charCodeAt(i);
          if (c === delimiterCode) {
            i++;
            continue;
          }
          if (c === eolCode) {
            end = i + 1;
            break;
          }
          if (lfMode && c === CR) {
            if (i + 1 < n) {
              if (text.charCodeAt(i + 1) === LF) {
                end = i + 2;
                break;
              }
            } else {
              if (final) end = n;
              else incomplete = true;
              break;
            }
          }
          problem = 'text after a closing quote';
          break;
        }
        if (nextDelimiter < i) {
          nextDelimiter = text.indexOf(delimiter, i);
          if (nextDelimiter === -1) nextDelimiter = n;
        }
        if (nextBreak < i) {
          nextBreak = text.indexOf(eol, i);
          if (nextBreak === -1) nextBreak = n;
        }
        if (nextDelimiter < nextBreak) {
          cells.push(text.slice(i, nextDelimiter));
          i = nextDelimiter + 1;
          continue;
        }
        if (nextBreak === n && !final) {
          incomplete = true;
          i = n;
          break;
        }
        let fieldEnd = nextBreak;
        if (lfMode && fieldEnd > i && text.charCodeAt(fieldEnd - 1) === CR) fieldEnd--;
        cells.push(text.slice(i, fieldEnd));
        end = nextBreak === n ? n : nextBreak + 1;
        break;
      }

      // Limits first, so the verdict does not depend on where the chunks were cut.
      const reach = (end === -1 ? i : end) - start;
      if (breaks > MAX_RECORD_LINES) problem = `record spans more than ${MAX_RECORD_LINES} lines (a quote left open?)`;
      else if (reach > MAX_RECORD_CHARS) problem = `record longer than ${MAX_RECORD_CHARS} characters`;
      else if (incomplete) {
        i = start;
        line = startLine;
        break;
      }

      if (problem === undefined && this.expectedCells !== undefined && cells.length !== this.expectedCells) {
        const expected = this.expectedCells;
        if (cells.length > expected && isBlank(cells.slice(expected))) cells.length = expected;
        else if (!isBlank(cells)) problem = `expected ${expected} cells, found ${cells.length}`;
      }

      if (problem === undefined || (breaks === 0 && end !== -1)) {
        i = end;
        line = startLine + 1 + breaks;
        if (problem !== undefined) {
          out.push(this.sink.malformed(startLine, cells, problem));
          emitted++;
        } else if (!isBlank(cells)) {
          out.push(this.sink.record(startLine, cells));
          emitted++;
        }
        continue;
      }

      // Broken or multi-line malformed: report the first physical line, re-read the next.
      let k = text.indexOf(eol, start);
      if (k === -1) {
        if (!final) {
          i = start;
          line = startLine;
          break;
        }
        k = n;
      }
      let firstLine = text.slice(start, k);
      if (lfMode && firstLine.endsWith('\r')) firstLine = firstLine.slice(0, -1);
      out.push(this.sink.malformed(startLine, firstLine.split(delimiter), problem));
      emitted++;
      i = Math.min(k + 1, n);
      line = startLine + 1;
      // going back: the cached positions may lie beyond i
      nextDelimiter = -1;
      nextBreak = -1;
    }
    this.line = line;
    return i;
  }
}
