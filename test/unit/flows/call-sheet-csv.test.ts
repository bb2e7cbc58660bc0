/** The call sheet as a CSV for the sales team (design.md §3.5): Excel-ready, Paris slots, no formula injection. */
import { describe, expect, it } from 'vitest';
import { callSheetCsv } from '#shared/flows/call-sheet';

describe('callSheetCsv', () => {
  const csv = callSheetCsv([
    {
      listId: 'clients',
      line: 7,
      number: '+33612345678',
      national: '06 12 34 56 78',
      firstName: '=HYPERLINK("http://x")',
      lastName: "D'Artagnan; fils",
      company: '@Acme',
      slots: [
        { from: '2026-12-08T09:00:00.000Z', to: '2026-12-08T12:00:00.000Z' },
        { from: '2026-07-07T12:00:00.000Z', to: '2026-07-07T18:00:00.000Z' },
      ],
    },
  ]);
  const [header, row] = csv.split('\r\n');

  it('starts with a BOM and a header, semicolon-separated', () => {
    expect(header).toBe('\ufeffnumber;national;first_name;last_name;company;job_title;list_id;line;slots_europe_paris');
  });

  it('neutralises cells that came from a list, quotes those with a delimiter; the numbers are left as written', () => {
    expect(row).toBe(
      `+33612345678;06 12 34 56 78;"'=HYPERLINK(""http://x"")";"D'Artagnan; fils";'@Acme;;clients;7;mar. 08/12/2026 10:00–13:00 | mar. 07/07/2026 14:00–20:00`,
    );
  });
});
