/**
 * Bytes → text for a list file, chunk by chunk (design.md §3.2: UTF-8 with or without
 * BOM, UTF-16 with its BOM, else Windows-1252). A character split across two chunks is held back until its
 * last byte arrives, so it is never garbled.
 */

/** `utf-16le`/`utf-16be`: Excel's « Texte Unicode » export, told by its byte-order mark */
export type ListEncoding = 'utf-8' | 'windows-1252' | 'utf-16le' | 'utf-16be';

/** Bytes looked at, from the first non-ASCII byte on, to tell UTF-8 from Windows-1252. */
const SNIFF_BYTES = 4096;

const EMPTY = new Uint8Array(0);

interface ChunkDecoder {
  write(bytes: Uint8Array): string;
  end(): string;
}

/**
 * Bytes of the file that `text` was decoded from. Exact for valid UTF-8 and for
 * Windows-1252 (one byte a character); an invalid UTF-8 sequence, decoded as U+FFFD,
 * makes it differ: `ListDecoder.textBytes` then disagrees with the file's size, which
 * the planner checks before trusting any offset (shared/flows/ingest-plan.ts).
 */
export function encodedLength(text: string, encoding: ListEncoding | undefined): number {
  if (encoding === 'utf-8') return Buffer.byteLength(text, 'utf8');
  // two bytes a UTF-16 code unit (a character outside the BMP is two units, four bytes)
  return encoding === 'utf-16le' || encoding === 'utf-16be' ? 2 * text.length : text.length;
}

function textDecoder(encoding: 'utf-8' | 'utf-16le' | 'utf-16be'): ChunkDecoder {
  const decoder = new TextDecoder(encoding, { ignoreBOM: true });
  return {
    write: (bytes) => decoder.decode(bytes, { stream: true }),
    end: () => decoder.decode(),
  };
}

/**
 * Windows-1252 is Latin-1 but for 0x80–0x9F, where it has ’ € œ “ ” … (five bytes there
 * are undefined: U+FFFD). Node 20's TextDecoder('windows-1252') is Latin-1 in disguise
 * (those bytes become C1 control characters), and a library of every code page weighs
 * ≈ 480 KB in each function that reads lists: the 32 characters are here.
 */
const CP1252_80_9F = '€\uFFFD‚ƒ„…†‡ˆ‰Š‹Œ\uFFFDŽ\uFFFD\uFFFD‘’“”•–—˜™š›œ\uFFFDžŸ';
const C1_CONTROLS = /[\u0080-\u009f]/g;

function windows1252Decoder(): ChunkDecoder {
  return {
    // one byte, one character: nothing is ever held back between chunks
    write: (bytes) => {
      const latin1 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
      return latin1.replace(C1_CONTROLS, (c) => CP1252_80_9F[c.charCodeAt(0) - 0x80] as string);
    },
    end: () => '',
  };
}

function isValidUtf8Prefix(bytes: Uint8Array): boolean {
  try {
    // stream: a sequence cut at the end of the sample is not an error
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true });
    return true;
  } catch {
    return false;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function firstNonAscii(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) if ((bytes[i] as number) >= 0x80) return i;
  return -1;
}

/**
 * A streaming decoder that detects the encoding when it is not given: a UTF-8 BOM
 * means UTF-8 (the BOM is dropped; it wins over a declared encoding, being proof);
 * otherwise the decision is taken at the first non-ASCII byte, from the next 4 KB:
 * valid UTF-8 → UTF-8, else Windows-1252. ASCII text before it reads the same in both.
 */
export class ListDecoder {
  /** the encoding in use; undefined while the text seen so far is pure ASCII */
  encoding: ListEncoding | undefined;
  /** bytes of the input the text returned so far accounts for (the BOM included): see encodedLength */
  textBytes = 0;
  private readonly declared: ListEncoding | undefined;
  private decoder: ChunkDecoder | undefined;
  private pending: Uint8Array = EMPTY;
  private bomChecked: boolean;

  /**
   * `declared`: the encoding, when known. `midFile`: the input starts inside the file (a
   * byte range of a worker): no BOM is looked for, and `declared` is used from the first byte.
   */
  constructor(declared?: ListEncoding, midFile = false) {
    this.declared = declared;
    this.bomChecked = midFile;
    if (midFile && declared) this.use(declared, EMPTY);
  }

  /**
   * The text of the next chunk. Bytes held back are copied, never referenced: the caller
   * may reuse the chunk's memory once this returns (cli/check.ts reads into one buffer).
   */
  write(chunk: Uint8Array): string {
    const text = this.decoder ? this.decoder.write(chunk) : this.take(concat(this.pending, chunk), false);
    return this.counted(text);
  }

  end(): string {
    if (this.decoder) return this.counted(this.decoder.end());
    const text = this.take(this.pending, true);
    return this.counted(this.decoder ? text + (this.decoder as ChunkDecoder).end() : text);
  }

  private counted(text: string): string {
    // before the encoding is known the text is ASCII: one byte a character in both
    this.textBytes += encodedLength(text, this.encoding);
    return text;
  }

  private take(bytes: Uint8Array, final: boolean): string {
    this.pending = EMPTY;
    if (!this.bomChecked) {
      if (bytes.length < 3 && !final) {
        this.pending = bytes.slice();
        return '';
      }
      this.bomChecked = true;
      if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
        this.textBytes += 3;
        return this.use('utf-8', bytes.subarray(3));
      }
      // design.md §3.2: UTF-16 is read only with its byte-order mark (Excel writes one)
      if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
        this.textBytes += 2;
        return this.use(bytes[0] === 0xff ? 'utf-16le' : 'utf-16be', bytes.subarray(2));
      }
      if (this.declared) return this.use(this.declared, bytes);
    }
    const at = firstNonAscii(bytes);
    if (at === -1) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
    const ascii = Buffer.from(bytes.buffer, bytes.byteOffset, at).toString('latin1');
    const rest = bytes.subarray(at);
    if (rest.length < SNIFF_BYTES && !final) {
      this.pending = rest.slice();
      return ascii;
    }
    return ascii + this.use(isValidUtf8Prefix(rest.subarray(0, SNIFF_BYTES)) ? 'utf-8' : 'windows-1252', rest);
  }

  private use(encoding: ListEncoding, bytes: Uint8Array): string {
    this.encoding = encoding;
    this.decoder = encoding === 'windows-1252' ? windows1252Decoder() : textDecoder(encoding);
    return this.decoder.write(bytes);
  }
}
