import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { openList } from '#csv/read-list';
import { MAX_RECORD_LINES } from '#csv/scan';
import { chunked, readList, summary, utf8 } from './support.ts';

const CHUNK_SIZES = [1, 2, 3, 5, 7, 13, 64, 4096];

describe('encoding', () => {
  const text = 'email;nom;societe\r\nzoe@exemple.fr;L’Hôte;Œuvres € Cœur\r\nleo@exemple.fr;Noël;Café\r\n';

  it.each(CHUNK_SIZES)('detects Windows-1252 and decodes ’ € œ é in %i-byte chunks', async (size) => {
    const { info, records } = await readList(iconv.encode(text, 'windows-1252'), size);
    expect(info.encoding).toBe('windows-1252');
    expect(summary(records)).toEqual([
      { line: 2, email: 'zoe@exemple.fr', last_name: 'L’Hôte', company: 'Œuvres € Cœur' },
      { line: 3, email: 'leo@exemple.fr', last_name: 'Noël', company: 'Café' },
    ]);
  });

  it.each(CHUNK_SIZES)('decodes UTF-8 characters split across %i-byte chunks', async (size) => {
    const { info, records } = await readList(utf8(`${text}ana@exemple.fr;Zoë 😀;Ω\r\n`), size);
    expect(info.encoding).toBe('utf-8');
    expect(summary(records)).toEqual([
      { line: 2, email: 'zoe@exemple.fr', last_name: 'L’Hôte', company: 'Œuvres € Cœur' },
      { line: 3, email: 'leo@exemple.fr', last_name: 'Noël', company: 'Café' },
      { line: 4, email: 'ana@exemple.fr', last_name: 'Zoë 😀', company: 'Ω' },
    ]);
  });

  it.each([1, 2, 3, 4096])('strips a UTF-8 BOM (%i-byte chunks) so the first header still matches', async (size) => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('Email,Prénom\nzoe@exemple.fr,Zoé\n')]);
    const { info, records } = await readList(bytes, size);
    expect(info.encoding).toBe('utf-8');
    expect(info.headers).toEqual(['Email', 'Prénom']);
    expect(info.columns).toEqual(['email', 'first_name']);
    expect(summary(records)).toEqual([{ line: 2, email: 'zoe@exemple.fr', first_name: 'Zoé' }]);
  });

  it('decides at the first non-ASCII byte, even far into the file, and updates info.encoding', async () => {
    const ascii = Array.from({ length: 3000 }, (_, i) => `p${i}@exemple.fr;Martin`).join('\n');
    const bytes = iconv.encode(`email;nom\n${ascii}\nzoe@exemple.fr;Lefèvre’s\n`, 'windows-1252');
    expect(bytes.length).toBeGreaterThan(64 * 1024);
    const { info, batches } = await openList(chunked(bytes, 1000));
    expect(info.encoding).toBe('utf-8'); // provisional: 64 KB of ASCII seen so far
    const records = [];
    for await (const batch of batches) records.push(...batch);
    expect(info.encoding).toBe('windows-1252');
    const last = records.at(-1);
    expect(last?.ok && last.row).toEqual({ line: 3002, email: 'zoe@exemple.fr', last_name: 'Lefèvre’s' });
  });

  it.each([1, 4096])('looks past a first accent that happens to be valid UTF-8 (%i-byte chunks)', async (size) => {
    // 0xC3 0xA9 is "é" in UTF-8 and "Ã©" in Windows-1252; the "é" (0xE9) of Hélène settles it
    const bytes = iconv.encode('email;nom\na@exemple.fr;Ã©ric\nb@exemple.fr;Hélène\n', 'windows-1252');
    const { info, records } = await readList(bytes, size);
    expect(info.encoding).toBe('windows-1252');
    expect(records.map((r) => r.ok && r.row.last_name)).toEqual(['Ã©ric', 'Hélène']);
  });

  it('reads a pure ASCII file as UTF-8', async () => {
    const { info, records } = await readList(utf8('email\nzoe@exemple.fr\n'), 1);
    expect(info.encoding).toBe('utf-8');
    expect(records).toHaveLength(1);
  });

  it('honours a declared encoding', async () => {
    const bytes = iconv.encode('email;nom\nzoe@exemple.fr;Hélène\n', 'windows-1252');
    const { info, records } = await readList(bytes, 4, { encoding: 'windows-1252' });
    expect(info.encoding).toBe('windows-1252');
    expect(records[0]?.ok && records[0].row.last_name).toBe('Hélène');
  });
});

describe('delimiters and line breaks', () => {
  it.each([
    [';', 'email;prenom;nom\nzoe@exemple.fr;Zoé;"Martin; fils"\n'],
    [',', 'email,prenom,nom\nzoe@exemple.fr,Zoé,"Martin, fils"\n'],
    ['\t', 'email\tprenom\tnom\nzoe@exemple.fr\tZoé\t"Martin\t fils"\n'],
  ])('detects %j from the header and keeps it inside quotes', async (delimiter, text) => {
    const { info, records } = await readList(utf8(text), 3);
    expect(info.delimiter).toBe(delimiter);
    expect(summary(records)).toEqual([
      { line: 2, email: 'zoe@exemple.fr', first_name: 'Zoé', last_name: `Martin${delimiter} fils` },
    ]);
  });

  it('a declared delimiter wins over detection', async () => {
    const { info, records } = await readList(utf8('email;nom,prenom\nzoe@exemple.fr;Martin,Zoé\n'), 64, {
      delimiter: ';',
    });
    expect(info.delimiter).toBe(';');
    expect(info.headers).toEqual(['email', 'nom,prenom']);
    expect(records).toHaveLength(1);
  });

  it("follows Excel's sep= hint line", async () => {
    const { info, records } = await readList(utf8('sep=;\r\nemail;nom\r\nzoe@exemple.fr;Martin, Dupont\r\n'), 2);
    expect(info.delimiter).toBe(';');
    expect(summary(records)).toEqual([{ line: 3, email: 'zoe@exemple.fr', last_name: 'Martin, Dupont' }]);
  });

  const crlf = 'email;nom;notes\r\na@exemple.fr;Un;x\r\n"b@exemple.fr";"Deux";"y"\r\nc@exemple.fr;Trois;\r\n';
  it.each(CHUNK_SIZES)('never leaves a stray CR or LF when a CRLF is split (%i-byte chunks)', async (size) => {
    const { records } = await readList(utf8(crlf), size);
    const cells = records.flatMap((r) => r.cells);
    expect(cells.some((c) => /[\r\n]/.test(c))).toBe(false);
    expect(summary(records)).toEqual([
      { line: 2, email: 'a@exemple.fr', last_name: 'Un' },
      { line: 3, email: 'b@exemple.fr', last_name: 'Deux' },
      { line: 4, email: 'c@exemple.fr', last_name: 'Trois' },
    ]);
  });

  it('splits a CRLF exactly between the CR and the LF (the uDSV pitfall)', async () => {
    const bytes = utf8(crlf);
    const cut = crlf.indexOf('\r\n', crlf.indexOf('x')) + 1;
    async function* twoChunks() {
      yield bytes.subarray(0, cut);
      yield bytes.subarray(cut);
    }
    const { batches } = await openList(twoChunks());
    const records = [];
    for await (const batch of batches) records.push(...batch);
    expect(records.map((r) => r.cells[0])).toEqual(['a@exemple.fr', 'b@exemple.fr', 'c@exemple.fr']);
  });

  it.each([1, 5, 4096])('reads an old-Mac lone-CR file (%i-byte chunks)', async (size) => {
    const { records } = await readList(utf8('email,nom\ra@exemple.fr,"Un\rdeux"\rb@exemple.fr,Trois\r'), size);
    expect(summary(records)).toEqual([
      { line: 2, email: 'a@exemple.fr', last_name: 'Un\rdeux' },
      { line: 4, email: 'b@exemple.fr', last_name: 'Trois' },
    ]);
  });

  it('reads a last line without a line break', async () => {
    const { records } = await readList(utf8('email,nom\r\na@exemple.fr,Un\r\nb@exemple.fr,"Deux"'), 3);
    expect(summary(records)).toEqual([
      { line: 2, email: 'a@exemple.fr', last_name: 'Un' },
      { line: 3, email: 'b@exemple.fr', last_name: 'Deux' },
    ]);
  });
});

describe('quoted fields and line numbers', () => {
  const text = [
    'email;nom;notes',
    'a@exemple.fr;"Le ""Grand"" Café";"ligne 1\nligne 2\r\nligne 3"',
    'b@exemple.fr;Deux;x',
    '',
    'c@exemple.fr;"Trois";"a;b"',
    ';;',
    'd@exemple.fr;"";""""',
    '',
  ].join('\r\n');

  it.each(CHUNK_SIZES)('handles doubled quotes, embedded newlines, blank rows (%i-byte chunks)', async (size) => {
    const { records } = await readList(utf8(text), size);
    expect(summary(records)).toEqual([
      { line: 2, email: 'a@exemple.fr', last_name: 'Le "Grand" Café' },
      { line: 5, email: 'b@exemple.fr', last_name: 'Deux' },
      { line: 7, email: 'c@exemple.fr', last_name: 'Trois' },
      { line: 9, email: 'd@exemple.fr' },
    ]);
    expect(records[0]?.cells[2]).toBe('ligne 1\nligne 2\r\nligne 3');
    expect(records[2]?.cells[2]).toBe('a;b');
    expect(records[3]?.cells).toEqual(['d@exemple.fr', '', '"']);
  });

  it('trims values and leaves empty cells absent', async () => {
    const { records } = await readList(utf8('email,prenom,nom,societe\n  a@exemple.fr , Zoé\u00a0,   ," Acme "\n'));
    expect(records[0]).toEqual({
      ok: true,
      row: { line: 2, email: 'a@exemple.fr', first_name: 'Zoé', company: 'Acme' },
      cells: ['  a@exemple.fr ', ' Zoé\u00a0', '   ', ' Acme '],
    });
    expect(records[0]?.ok && 'last_name' in records[0].row).toBe(false);
  });

  it('tolerates a delimiter at the end of every data line', async () => {
    const { records } = await readList(utf8('email;nom\na@exemple.fr;Un;\nb@exemple.fr;Deux;;\n'));
    expect(summary(records)).toEqual([
      { line: 2, email: 'a@exemple.fr', last_name: 'Un' },
      { line: 3, email: 'b@exemple.fr', last_name: 'Deux' },
    ]);
  });
});

describe('malformed records: reported, and the rest of the file is still read', () => {
  it.each(CHUNK_SIZES)('an unclosed quote at the end of the file (%i-byte chunks)', async (size) => {
    const text = 'email,nom\na@exemple.fr,Un\nb@exemple.fr,"Deux\n';
    const { records } = await readList(utf8(text), size);
    expect(summary(records)).toEqual([
      { line: 2, email: 'a@exemple.fr', last_name: 'Un' },
      { malformed: 3, detail: 'unclosed quote', cells: ['b@exemple.fr', '"Deux'] },
    ]);
  });

  it.each(CHUNK_SIZES)('an unclosed quote in the middle costs one row (%i-byte chunks)', async (size) => {
    const text = [
      'email;nom;ville',
      'a@exemple.fr;"Dupont;Paris',
      'b@exemple.fr;Martin;"Lyon"',
      'c@exemple.fr;"Durand";Nantes',
      'd@exemple.fr;Petit;Lille',
      '',
    ].join('\n');
    const { records } = await readList(utf8(text), size);
    expect(summary(records)).toEqual([
      { malformed: 2, detail: 'text after a closing quote', cells: ['a@exemple.fr', '"Dupont', 'Paris'] },
      { line: 3, email: 'b@exemple.fr', last_name: 'Martin' },
      { line: 4, email: 'c@exemple.fr', last_name: 'Durand' },
      { line: 5, email: 'd@exemple.fr', last_name: 'Petit' },
    ]);
  });

  it('an unclosed quote with no other quote after it: one row malformed, the rest read', async () => {
    const rows = Array.from({ length: MAX_RECORD_LINES + 500 }, (_, i) => `p${i}@exemple.fr,Nom${i}`);
    const text = `email,nom\na@exemple.fr,"Dupont\n${rows.join('\n')}\n`;
    for (const size of [7, 65_536]) {
      const { records } = await readList(utf8(text), size);
      expect(records[0]).toMatchObject({ ok: false, line: 2, cells: ['a@exemple.fr', '"Dupont'] });
      expect(records.slice(1).every((r) => r.ok)).toBe(true);
      expect(records).toHaveLength(rows.length + 1);
      expect(records.at(-1)).toMatchObject({ row: { line: rows.length + 2, email: `p${rows.length - 1}@exemple.fr` } });
    }
  });

  it('a multi-line record with the wrong cell count: malformed at its first line, next lines re-read', async () => {
    const text = 'email,nom\na@exemple.fr,"Un\nb@exemple.fr",x,y\nc@exemple.fr,Trois\n';
    const { records } = await readList(utf8(text), 3);
    expect(summary(records)).toEqual([
      { malformed: 2, detail: 'expected 2 cells, found 4', cells: ['a@exemple.fr', '"Un'] },
      { malformed: 3, detail: 'expected 2 cells, found 3', cells: ['b@exemple.fr"', 'x', 'y'] },
      { line: 4, email: 'c@exemple.fr', last_name: 'Trois' },
    ]);
  });

  it.each([
    ['too many cells', 'a@exemple.fr,Un,Paris,75001', 'expected 3 cells, found 4'],
    ['too few cells', 'a@exemple.fr,Un', 'expected 3 cells, found 2'],
    ['text after a closing quote', 'a@exemple.fr,"Un"x,Paris', 'text after a closing quote'],
  ])('%s', async (_case, line, detail) => {
    const { records } = await readList(utf8(`email,nom,ville\n${line}\nb@exemple.fr,Deux,Lyon\n`), 5);
    expect(records[0]).toMatchObject({ ok: false, line: 2, detail });
    expect(records[1]).toMatchObject({ ok: true, row: { line: 3, email: 'b@exemple.fr' } });
  });

  it('never puts cell content in the detail', async () => {
    const text = [
      'email;telephone;nom',
      'zoe.secret@exemple.fr;0612345678;"Secret',
      'leo.prive@exemple.fr;0698765432;Prive;extra',
      'ana.cache@exemple.fr;"0611223344"x;Cache',
    ].join('\n');
    const { records } = await readList(utf8(text));
    const malformed = records.filter((r) => !r.ok);
    expect(malformed).toHaveLength(3);
    for (const record of malformed) {
      expect(record.detail).not.toMatch(/@|06\d{8}|Secret|Prive|Cache|extra/);
    }
  });
});

describe('sizes', () => {
  it('0 data rows: a header only gives no batch', async () => {
    const { info, records, batches } = await readList(utf8('email;nom\r\n'));
    expect(info.headers).toEqual(['email', 'nom']);
    expect(records).toEqual([]);
    expect(batches).toBe(0);
  });

  it.each([
    ['an empty file', ''],
    ['blank lines only', '\r\n\r\n'],
  ])('%s: no headers, no batch', async (_case, text) => {
    const { info, records, batches } = await readList(utf8(text));
    expect(info.headers).toEqual([]);
    expect(info.unknownColumns).toEqual([]);
    expect(records).toEqual([]);
    expect(batches).toBe(0);
  });

  it('reads a 10 MB field streamed in 64 KB chunks', async () => {
    const big = 'é'.repeat(5 * 1024 * 1024) + 'x'.repeat(5 * 1024 * 1024);
    const text = `email;notes;nom\na@exemple.fr;"${big}";Un\nb@exemple.fr;court;Deux\n`;
    const { records } = await readList(utf8(text), 65_536);
    expect(records).toHaveLength(2);
    expect(records[0]?.cells[1]?.length).toBe(big.length);
    expect(records[0]?.cells[1] === big).toBe(true);
    expect(records[1]).toMatchObject({ ok: true, row: { line: 3, email: 'b@exemple.fr', last_name: 'Deux' } });
  });

  it('reads a file from disk through fs.createReadStream, batch by batch', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'read-list-'));
    try {
      const rows = Array.from({ length: 20_000 }, (_, i) => `p${i}@exemple.fr;"Nom; ${i}";Ville`);
      const path = join(dir, 'contacts.csv');
      await writeFile(path, iconv.encode(`email;nom;ville\r\n${rows.join('\r\n')}\r\n`, 'windows-1252'));
      const { info, batches } = await openList(createReadStream(path, { highWaterMark: 16 * 1024 }));
      expect(info).toMatchObject({ delimiter: ';', unknownColumns: ['ville'] });
      let count = 0;
      let batchCount = 0;
      for await (const batch of batches) {
        batchCount++;
        for (const record of batch) {
          count++;
          expect(record).toMatchObject({ ok: true, row: { line: count + 1, last_name: `Nom; ${count - 1}` } });
        }
      }
      expect(count).toBe(rows.length);
      expect(batchCount).toBeGreaterThan(10);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stops reading the source when the consumer stops', async () => {
    const { Readable } = await import('node:stream');
    const lines = Array.from({ length: 50_000 }, (_, i) => `p${i}@exemple.fr,Nom`);
    const stream = Readable.from([utf8('email,nom\n'), ...lines.map((l) => utf8(`${l}\n`))]);
    const { batches } = await openList(stream);
    for await (const batch of batches) {
      expect(batch.length).toBeGreaterThan(0);
      break;
    }
    if (!stream.destroyed) await once(stream, 'close');
    expect(stream.destroyed).toBe(true);
  });
});

describe('chunking never changes the result', () => {
  const text = [
    'sep=;',
    'E-mail;Téléphone portable;Prénom;NOM;notes',
    'a@exemple.fr;06 12 34 56 78;Zoé;"Le ""Grand""";"multi',
    'ligne"',
    'b@exemple.fr;+33 6 98 76 54 32;Noël;Martin;',
    'c@exemple.fr;"07.11.22.33.44";Œdipe;"Dupont;Fils";x;y',
    '',
    ';;;;',
    'd@exemple.fr;;"Ève;"x;Durand;z',
    'e@exemple.fr;;Éric;"Petit',
    'f@exemple.fr;;Fa;Fin;"ouvert',
  ].join('\r\n');

  it('gives identical records for every chunk size, UTF-8 and Windows-1252', async () => {
    for (const encode of [utf8, (t: string) => iconv.encode(t, 'windows-1252')]) {
      const whole = summary((await readList(encode(text), 1 << 20)).records);
      expect(whole).toHaveLength(6);
      for (const size of CHUNK_SIZES) expect(summary((await readList(encode(text), size)).records)).toEqual(whole);
    }
  });
});

describe('round trip of random cells', () => {
  /** mulberry32, seeded: the same "random" file on every run */
  function random(seed: number): () => number {
    let a = seed;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = Math.imul(a ^ (a >>> 15), a | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const PIECES = ['a', 'Zoé', '€', ' ', ';', ',', '"', '""', '\n', '\r\n', '😀', 'œ', 'x@y.fr', '\t'];

  it.each([1, 2, 3])('reads back what a writer wrote: cells and physical lines (seed %i)', async (seed) => {
    const rnd = random(seed);
    const cellOf = () => {
      let s = '';
      const parts = Math.floor(rnd() * 4);
      for (let p = 0; p < parts; p++) s += PIECES[Math.floor(rnd() * PIECES.length)];
      return s;
    };
    const expected: { line: number; cells: string[] }[] = [];
    let text = 'a;b;c;d\r\n';
    let line = 2;
    for (let r = 0; r < 300; r++) {
      const cells = [`r${r}`, cellOf(), cellOf(), cellOf()];
      const quoted = cells.map((c) => (/[;"\r\n]/.test(c) || c !== c.trim() ? `"${c.replace(/"/g, '""')}"` : c));
      text += `${quoted.join(';')}\r\n`;
      expected.push({ line, cells });
      line += 1 + (cells.join('').match(/\n/g)?.length ?? 0);
    }
    for (const size of [1, 4, 17, 1000, 1 << 20]) {
      const { records } = await readList(utf8(text), size);
      expect(records.map((r) => ({ line: r.ok ? r.row.line : -1, cells: r.cells }))).toEqual(expected);
    }
  });
});
