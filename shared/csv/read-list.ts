/**
 * The list-file reader (design.md §3.2): bytes in (a file or S3 stream), batches of
 * records out, never the whole file in memory. Detects the encoding and the delimiter,
 * maps the headers to canonical columns and reports each record's physical line.
 */
import type { CanonicalColumn, ListRow } from '#domain/contact';
import { type ColumnSource, matchColumns } from './columns.ts';
import { encodedLength, ListDecoder, type ListEncoding } from './decode.ts';
import { type LineBreak, RecordScanner, type RecordSink } from './scan.ts';

export type ListDelimiter = ',' | ';' | '\t';

export interface ReadListOptions {
  delimiter?: ListDelimiter;
  encoding?: ListEncoding;
  /** records a batch holds at most (default: a chunk's worth): a planner cutting a file at fine grain */
  batchRecords?: number;
}

export interface ListFileInfo {
  delimiter: ListDelimiter;
  /**
   * The encoding read. Decided at the first non-ASCII byte: openList reads up to 64 KB
   * ahead to find one; a file whose first 64 KB are pure ASCII says 'utf-8' until a later
   * byte proves Windows-1252, and this field is updated then.
   */
  encoding: ListEncoding;
  headers: string[];
  /** the canonical column each header names, or null */
  columns: (CanonicalColumn | null)[];
  /** headers that name no known column (ignored) */
  unknownColumns: string[];
  /** '\n' for LF and CRLF files, '\r' for Excel-for-Mac's lone CR */
  lineBreak: LineBreak;
}

/**
 * Where reading stands, updated after each batch: the next record starts at byte `bytes`
 * of the file, on physical line `line`. A planner cuts a file there (a record boundary as
 * the reader itself found it, quotes and recovery included); `bytes` is exact when
 * `ListDecoder.textBytes` ends equal to the file's size (see encodedLength).
 */
export interface ReadPosition {
  bytes: number;
  line: number;
}

export type ListRecord =
  | { ok: true; row: ListRow; cells: string[] }
  /** ROW_MALFORMED; `detail` never quotes a cell (no personal data) */
  | { ok: false; line: number; cells: string[]; detail: string };

const DELIMITERS: readonly ListDelimiter[] = [';', ',', '\t'];
/** bytes read ahead after the header to settle the encoding before openList returns */
const ENCODING_LOOKAHEAD = 64 * 1024;
/** once an unfinished record is this long, wait for twice as much text before rescanning it */
const RESCAN_THRESHOLD = 64 * 1024;

interface FirstLine {
  /** the delimiter counts outside quotes; undefined when the line is `sep=X` (Excel's hint) */
  delimiter: ListDelimiter;
  /** where the header record starts, and its line */
  headerAt: number;
  headerLine: number;
  /** a lone CR ends the first line: an Excel-for-Mac file */
  lineBreak: LineBreak;
}

/**
 * Reads the first non-blank line: Excel's `sep=;` hint line, or the header, whose most
 * frequent delimiter outside quotes wins (`;` on a tie, then `,`; `,` when there is none).
 * Undefined while the line is not complete.
 */
function sniffFirstLine(text: string, final: boolean, declared?: ListDelimiter): FirstLine | undefined {
  let at = 0;
  let line = 1;
  while (at < text.length) {
    const c = text[at];
    if (c === '\n') line++;
    else if (c === '\r') {
      if (text[at + 1] !== '\n') line++;
    } else break;
    at++;
  }
  const counts = new Map<string, number>();
  let inQuotes = false;
  let end = at;
  for (; end < text.length; end++) {
    const c = text[end] as string;
    if (c === '"') inQuotes = !inQuotes;
    else if (!inQuotes && (c === '\n' || c === '\r')) break;
    else if (!inQuotes && (c === ';' || c === ',' || c === '\t')) counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  if (end >= text.length && !final) return undefined;
  // a CR at the end of the text may be the first half of a CRLF
  if (text[end] === '\r' && end + 1 >= text.length && !final) return undefined;
  const lineBreak: LineBreak = text[end] === '\r' && text[end + 1] !== '\n' ? '\r' : '\n';
  const hint = /^sep=([;,\t])$/i.exec(text.slice(at, end));
  if (hint) {
    const next = text[end] === '\r' && text[end + 1] === '\n' ? end + 2 : end + 1;
    return {
      delimiter: declared ?? (hint[1] as ListDelimiter),
      headerAt: Math.min(next, text.length),
      headerLine: line + 1,
      lineBreak,
    };
  }
  let delimiter: ListDelimiter = ',';
  let best = 0;
  for (const candidate of DELIMITERS) {
    const count = counts.get(candidate) ?? 0;
    if (count > best) {
      best = count;
      delimiter = candidate;
    }
  }
  return { delimiter: declared ?? delimiter, headerAt: at, headerLine: line, lineBreak };
}

function trimCell(cell: string): string {
  const first = cell.charCodeAt(0);
  const last = cell.charCodeAt(cell.length - 1);
  return first > 32 && first < 127 && last > 32 && last < 127 ? cell : cell.trim();
}

/** Builds rows from cells: trimmed values, an empty cell absent, duplicate columns by priority. */
function rowSink(sources: readonly ColumnSource[]): RecordSink<ListRecord> {
  return {
    record(line, cells) {
      const row: ListRow = { line };
      for (const source of sources) {
        for (const index of source.cellIndexes) {
          const cell = cells[index];
          if (cell === undefined || cell === '') continue;
          const value = trimCell(cell);
          if (value === '') continue;
          row[source.column] = value;
          break;
        }
      }
      return { ok: true, row, cells };
    },
    malformed(line, cells, detail) {
      return { ok: false, line, cells, detail };
    },
  };
}

const headerSink: RecordSink<string[]> = {
  record: (_line, cells) => cells,
  malformed: (_line, cells) => cells,
};

/**
 * Opens a list file: reads its header (and enough to settle the encoding), then yields
 * its records in batches (one per chunk read), in file order. Stops reading the source
 * when the consumer stops iterating.
 */
export async function openList(
  source: AsyncIterable<Uint8Array>,
  options: ReadListOptions = {},
): Promise<{ info: ListFileInfo; batches: AsyncIterable<ListRecord[]>; position: ReadPosition }> {
  const iterator = source[Symbol.asyncIterator]();
  const decoder = new ListDecoder(options.encoding);
  let text = '';
  let done = false;
  let bytesRead = 0;
  const pull = async (): Promise<void> => {
    const next = await iterator.next();
    if (next.done) {
      text += decoder.end();
      done = true;
    } else {
      bytesRead += next.value.byteLength;
      text += decoder.write(next.value);
    }
  };

  let first = sniffFirstLine(text, done, options.delimiter);
  while (!first) {
    await pull();
    first = sniffFirstLine(text, done, options.delimiter);
  }
  let headers: string[] = [];
  let offset = first.headerAt;
  let headerScanner: RecordScanner<string[]>;
  for (;;) {
    headerScanner = new RecordScanner(first.delimiter, headerSink, first.headerLine, first.lineBreak);
    const found: string[][] = [];
    const used = headerScanner.scan(text, first.headerAt, done, found, 1);
    if (found[0]) {
      headers = found[0].map((h) => h.trim());
      offset = used;
      break;
    }
    if (done) {
      offset = text.length;
      break;
    }
    await pull();
  }
  const columnMatch = matchColumns(headers);
  const scanner = new RecordScanner(first.delimiter, rowSink(columnMatch.sources), headerScanner.line, first.lineBreak);
  scanner.expectedCells = headers.length;
  while (!done && decoder.encoding === undefined && bytesRead < ENCODING_LOOKAHEAD) await pull();
  const info: ListFileInfo = {
    delimiter: first.delimiter,
    encoding: decoder.encoding ?? options.encoding ?? 'utf-8',
    headers,
    columns: columnMatch.columns,
    unknownColumns: columnMatch.unknownColumns,
    lineBreak: first.lineBreak,
  };
  const rest = text.slice(offset);
  const position: ReadPosition = {
    bytes: decoder.textBytes - encodedLength(rest, decoder.encoding),
    line: scanner.line,
  };
  const reading = { iterator, decoder, done, info, position };
  return { info, batches: readBatches(reading, scanner, rest, options.batchRecords), position };
}

/** Where a worker's byte range starts, and what the planner learnt of the whole file. */
export interface ListRange {
  encoding: ListEncoding;
  delimiter: ListDelimiter;
  lineBreak: LineBreak;
  headers: string[];
  /** physical line of the range's first byte (a record's first line) */
  firstLine: number;
}

/**
 * Reads a byte range of a list file that starts where a record starts (as cut by a planner
 * from `openList`'s positions): the same records, with the same lines, as reading the
 * whole file gives for those bytes.
 */
export function openRange(source: AsyncIterable<Uint8Array>, range: ListRange): AsyncIterable<ListRecord[]> {
  const columnMatch = matchColumns(range.headers);
  const scanner = new RecordScanner(range.delimiter, rowSink(columnMatch.sources), range.firstLine, range.lineBreak);
  scanner.expectedCells = range.headers.length;
  const info: ListFileInfo = {
    delimiter: range.delimiter,
    encoding: range.encoding,
    headers: range.headers,
    columns: columnMatch.columns,
    unknownColumns: columnMatch.unknownColumns,
    lineBreak: range.lineBreak,
  };
  const decoder = new ListDecoder(range.encoding, true);
  const position: ReadPosition = { bytes: 0, line: range.firstLine };
  return readBatches({ iterator: source[Symbol.asyncIterator](), decoder, done: false, info, position }, scanner, '');
}

interface Reading {
  iterator: AsyncIterator<Uint8Array>;
  decoder: ListDecoder;
  done: boolean;
  info: ListFileInfo;
  position: ReadPosition;
}

async function* readBatches(
  reading: Reading,
  records: RecordScanner<ListRecord>,
  initial: string,
  batchRecords = Number.POSITIVE_INFINITY,
): AsyncGenerator<ListRecord[]> {
  const { iterator, decoder, info, position } = reading;
  let parts: string[] = initial ? [initial] : [];
  let length = initial.length;
  let rescanAt = 0;
  /** a batch took `batchRecords`: the text may hold more records, scanned before reading on */
  let full = false;
  let buffer = '';
  let offset = 0;
  try {
    for (;;) {
      if (!full) {
        if (!reading.done) {
          const next = await iterator.next();
          const chunk = next.done ? decoder.end() : decoder.write(next.value);
          reading.done = next.done === true;
          if (decoder.encoding) info.encoding = decoder.encoding;
          if (chunk) {
            parts.push(chunk);
            length += chunk.length;
          }
          // A long unfinished record (a 10 MB cell) is rescanned only when the text has
          // doubled, so reading it costs linear time, not quadratic.
          if (!reading.done && length < rescanAt) continue;
        }
        buffer = parts.length === 1 ? (parts[0] as string) : parts.join('');
        offset = 0;
      }
      const out: ListRecord[] = [];
      offset = records.scan(buffer, offset, reading.done, out, batchRecords);
      full = out.length === batchRecords;
      length = buffer.length - offset;
      if (!full) {
        parts = length > 0 ? [buffer.slice(offset)] : [];
        rescanAt = length > RESCAN_THRESHOLD ? 2 * length : 0;
      }
      position.bytes = decoder.textBytes - (length > 0 ? encodedLength(buffer.slice(offset), decoder.encoding) : 0);
      position.line = records.line;
      if (out.length > 0) yield out;
      if (reading.done && !full) return;
    }
  } finally {
    if (!reading.done) await iterator.return?.();
  }
}
