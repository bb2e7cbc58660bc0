import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { type ListRecord, openList, openRange } from '#csv/read-list';
import { chunked, summary as recordsOf, utf8 } from './support.ts';

/**
 * The records as data, without the reader's detail of a malformed one: a piece that ends
 * inside a broken quote says "unclosed quote" where the whole file says "text after a
 * closing quote"; the line, the cells and the decision (ROW_MALFORMED) are the same, and
 * no report carries the detail.
 */
const summary = (records: ListRecord[]) =>
  recordsOf(records).map((r) => {
    const { detail: _d, ...rest } = r as { detail?: string };
    return rest;
  });

/**
 * A file cut where `openList` says a record starts (after any batch), each piece read
 * with `openRange`: the same records, lines and cells as reading the whole file. This is
 * what lets ingestion workers judge byte ranges of one list (issue 17).
 */
async function cutsAndWhole(bytes: Uint8Array, batchRecords: number, chunkSize: number) {
  const { info, batches, position } = await openList(chunked(bytes, chunkSize), { batchRecords });
  const whole: ListRecord[] = [];
  const cuts: { bytes: number; line: number }[] = [{ ...position }];
  for await (const batch of batches) {
    whole.push(...batch);
    cuts.push({ ...position });
  }
  return { info, whole, cuts };
}

async function readPieces(bytes: Uint8Array, batchRecords: number, chunkSize: number) {
  const { info, whole, cuts } = await cutsAndWhole(bytes, batchRecords, chunkSize);
  const pieces: ListRecord[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const from = cuts[i] as { bytes: number; line: number };
    const to = cuts[i + 1] as { bytes: number; line: number };
    if (to.bytes === from.bytes) continue;
    const range = openRange(chunked(bytes.subarray(from.bytes, to.bytes), chunkSize), {
      encoding: info.encoding,
      delimiter: info.delimiter,
      lineBreak: info.lineBreak,
      headers: info.headers,
      firstLine: from.line,
    });
    for await (const batch of range) pieces.push(...batch);
  }
  return { whole, pieces, cuts, info };
}

/** Every hard case of the reader in one file: quotes holding delimiters and breaks, a broken quote, short rows, blank lines. */
function messyRows(n: number): string[] {
  const lines = ['Courriel;Prénom;Nom;Société;Fonction'];
  for (let i = 0; i < n; i++) {
    if (i % 11 === 3) lines.push(`multi${i}@atelier.fr;"Anne\nMarie";Roy;"Atelier; ${i}";"Chargée\nd'achats"`);
    else if (i % 17 === 5) lines.push(`broken${i}@atelier.fr;"Jean;Dupont;X;Acheteur`);
    else if (i % 19 === 7) lines.push(`short${i}@atelier.fr;Jean`);
    else if (i % 23 === 9) lines.push('');
    else if (i % 29 === 1) lines.push(';;;;');
    else lines.push(`hélène.${i}@café-crème.fr;Hélène;Lefèvre;Café "Crème" & Œuvres ${i};Acheteuse €`);
  }
  return lines;
}

describe('UTF-16 with a byte-order mark (design.md §3.2: Excel « Texte Unicode », tab-separated)', () => {
  const text = 'Courriel\tPrénom\tNom\tSociété\r\nhelene@café-crème.fr\tHélène\tLefèvre\tCafé Crème & Œuvres 𝔸\r\n';
  it.each([
    ['little-endian', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])],
    ['big-endian', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()])],
  ])('%s: tab found, names intact, in any chunking', async (_name, bytes) => {
    for (const size of [1, 3, 64]) {
      const { info, batches } = await openList(chunked(new Uint8Array(bytes), size));
      const records: ListRecord[] = [];
      for await (const batch of batches) records.push(...batch);
      expect(info.delimiter).toBe('\t');
      expect(info.encoding).toBe(_name === 'little-endian' ? 'utf-16le' : 'utf-16be');
      expect(summary(records)).toEqual([
        {
          line: 2,
          email: 'helene@café-crème.fr',
          first_name: 'Hélène',
          last_name: 'Lefèvre',
          company: 'Café Crème & Œuvres 𝔸',
        },
      ]);
    }
  });
});

describe('openRange: a list read piece by piece, cut where the reader says records start', () => {
  it.each([
    ['UTF-8, LF', (t: string) => utf8(t), '\n'],
    ['UTF-8 with BOM, CRLF', (t: string) => utf8(`\uFEFF${t}`), '\r\n'],
    ['Windows-1252, CRLF', (t: string) => new Uint8Array(iconv.encode(t, 'win1252')), '\r\n'],
    ['Excel for Mac, lone CR', (t: string) => new Uint8Array(iconv.encode(t, 'win1252')), '\r'],
    [
      'UTF-16LE with its BOM (Excel « Texte Unicode »), CRLF',
      (t: string) => new Uint8Array(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t, 'utf16le')])),
      '\r\n',
    ],
  ] as const)('%s: the pieces give the records of the whole file, line for line', async (_name, encode, eol) => {
    const bytes = encode(`${messyRows(400).join(eol)}${eol}`);
    for (const [batchRecords, chunkSize] of [
      [8, 64],
      [3, 7],
      [50, 4096],
    ] as const) {
      const { whole, pieces, cuts } = await readPieces(bytes, batchRecords, chunkSize);
      expect(cuts.length).toBeGreaterThan(8);
      expect(summary(pieces)).toEqual(summary(whole));
      // the last cut is the end of the file: the offsets account for every byte
      expect(cuts.at(-1)?.bytes).toBe(bytes.length);
    }
  });

  it('a quote left open runs to the end of its piece as it runs to the end of the file: the same malformed line', async () => {
    const lines = [
      'email;nom',
      ...Array.from({ length: 30 }, (_, i) => `p${i}@a.fr;Nom ${i}`),
      'open@a.fr;"Nom',
      'last@a.fr;Fin',
    ];
    const bytes = utf8(`${lines.join('\n')}\n`);
    const { whole, pieces } = await readPieces(bytes, 4, 16);
    expect(summary(pieces)).toEqual(summary(whole));
    expect(whole.some((r) => !r.ok && r.line === 32)).toBe(true);
  });

  it('an invalid UTF-8 byte makes the decoded text miss the file size: a planner sees it and trusts no offset', async () => {
    // valid UTF-8 for the 4 KB the decoder sniffs, then a stray byte it decodes as U+FFFD (3 bytes)
    const valid = `email;nom\né@a.fr;Zoé\n${'a@a.fr;Nom\n'.repeat(500)}`;
    const bytes = new Uint8Array([...utf8(valid), 0xff, ...utf8(';x\nb@a.fr;B\n')]);
    const { cuts } = await cutsAndWhole(bytes, 1, 4);
    expect(cuts.at(-1)?.bytes).not.toBe(bytes.length);
  });
});
