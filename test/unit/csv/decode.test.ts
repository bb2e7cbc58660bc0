import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { ListDecoder } from '#csv/decode';

describe('Windows-1252 without a code-page library (issue 19: lean functions)', () => {
  it('decodes every one of the 256 bytes as iconv-lite does (’ € œ and the undefined five as U+FFFD)', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const decoder = new ListDecoder('windows-1252');
    const text = decoder.write(all) + decoder.end();
    expect(text).toBe(iconv.decode(all, 'windows-1252'));
    expect(text.length).toBe(256);
  });

  it('an Excel export sniffed as Windows-1252 keeps its accents and typographic quotes', () => {
    const bytes = iconv.encode('email;société\nhelene@cafe.fr;Café Crème & Œuvres l’été – 10 €\n', 'win1252');
    const decoder = new ListDecoder();
    expect(decoder.write(bytes) + decoder.end()).toBe(
      'email;société\nhelene@cafe.fr;Café Crème & Œuvres l’été – 10 €\n',
    );
    expect(decoder.encoding).toBe('windows-1252');
  });
});
