import { describe, expect, it } from 'vitest';
import { checkContent, renderEmail, renderSms } from '#domain/content';
import { campaign, contact } from './fixtures.ts';

const URL = 'https://u.acme.fr/u/TOKEN';

describe('message content (rules.md §7)', () => {
  it('replaces the placeholders in text and HTML', () => {
    const c = campaign({}, { html: '<p>Bonjour {{firstName}}</p><a href="{{ unsubscribeUrl }}">x</a>' });
    const r = renderEmail(c, contact({ firstName: 'Léa <b>' }), { unsubscribeUrl: URL, firstMessage: true });
    expect(r.text).toBe(`Bonjour Léa <b>, les offres Acme SAS. Se désinscrire : ${URL}`);
    expect(r.html).toBe(`<p>Bonjour Léa &lt;b&gt;</p><a href="${URL}">x</a>`);
    expect(r.subject).toBe('Nos offres');
  });

  it('{{source}} becomes, in the first message to a contact flagged informAtFirstMessage, the source and the right to object', () => {
    const flagged = contact({ informAtFirstMessage: true, collector: 'Salon Batimat SAS', kind: 'professional' });
    const withSource = campaign(
      {},
      {
        text: '{{source}}\nBonjour, les offres Acme SAS. Se désinscrire : {{unsubscribeUrl}}',
        html: '<p>{{ source }}</p><p>Acme SAS</p>',
      },
    );
    const first = renderEmail(withSource, flagged, { unsubscribeUrl: URL, firstMessage: true });
    expect(first.text).toContain('Salon Batimat SAS');
    expect(first.text).toMatch(/vous opposer/);
    expect(first.html).toContain('Salon Batimat SAS');
    expect(first.text).not.toContain('{{');
    const later = renderEmail(withSource, flagged, { unsubscribeUrl: URL, firstMessage: false });
    expect(later.text).not.toContain('Salon Batimat SAS');
    expect(later.text).not.toContain('{{');
    const informed = renderEmail(
      withSource,
      { ...flagged, informedAt: '2026-01-01T00:00:00Z' },
      { unsubscribeUrl: URL, firstMessage: true },
    );
    expect(informed.text).not.toContain('Salon Batimat SAS');
    // a contact owed nothing gets nothing in place of the placeholder
    expect(renderEmail(withSource, contact(), { unsubscribeUrl: URL, firstMessage: true }).html).toBe(
      '<p></p><p>Acme SAS</p>',
    );
  });

  it.each([
    ['no {{source}} in the message', {}, { collector: 'Salon SAS' }, true, ['CONTENT_NO_SOURCE']],
    [
      '{{source}} in the text but not in the HTML',
      { html: '<p>Acme SAS</p>', text: '{{source}} Acme' },
      { collector: 'Salon SAS' },
      true,
      ['CONTENT_NO_SOURCE'],
    ],
    [
      '{{source}} in both',
      { html: '<p>{{source}}</p>', text: '{{source}} Acme' },
      { collector: 'Salon SAS' },
      true,
      [],
    ],
    [
      '{{source}} but the source unknown',
      { text: '{{source}} Acme' },
      { collector: undefined },
      true,
      ['CONTENT_NO_SOURCE'],
    ],
    ['not the first message', {}, { collector: 'Salon SAS' }, false, []],
  ] as const)('CONTENT_NO_SOURCE (rules.md §6): %s', (_name, message, who, firstMessage, reasons) => {
    const flagged = contact({ informAtFirstMessage: true, ...who });
    expect(checkContent(campaign({}, message), flagged, { firstMessage })).toEqual(reasons);
    // a contact that needs no notice is never skipped for it
    expect(checkContent(campaign({}, message), contact(), { firstMessage })).toEqual([]);
  });

  it('an SMS: {{source}} becomes the collector and the right to object', () => {
    const sms = campaign({ channel: 'sms' }, { text: 'Acme SAS : -20%. {{source}} STOP au 36123' });
    const flagged = contact({ informAtFirstMessage: true, collector: 'Salon SAS', phone: '+33612345678' });
    expect(renderSms(sms, flagged, { firstMessage: true }).text).toBe(
      'Acme SAS : -20%. Coordonnées obtenues auprès de Salon SAS ; vous pouvez vous y opposer. STOP au 36123',
    );
    expect(renderSms(sms, contact(), { firstMessage: true }).text).toBe('Acme SAS : -20%. STOP au 36123');
  });

  it('an SMS always ends with « STOP au <sender> »', () => {
    const sms = campaign({ channel: 'sms' }, { text: 'Acme SAS : promo -20%' });
    expect(renderSms(sms, contact(), { firstMessage: false })).toEqual({
      sender: '36123',
      text: 'Acme SAS : promo -20% STOP au 36123',
    });
    const already = campaign({ channel: 'sms' });
    expect(renderSms(already, contact(), { firstMessage: false }).text).toBe(
      'Acme SAS : -20% ce week-end. STOP au 36123',
    );
  });
});
