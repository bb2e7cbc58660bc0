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

  it('the first message to a contact flagged informAtFirstMessage names the source, set apart', () => {
    const flagged = contact({ informAtFirstMessage: true, collector: 'Salon Batimat SAS', kind: 'professional' });
    const first = renderEmail(campaign({}, { html: '<p>Acme SAS</p>' }), flagged, {
      unsubscribeUrl: URL,
      firstMessage: true,
    });
    expect(first.text).toContain('Salon Batimat SAS');
    expect(first.text).toMatch(/vous opposer/);
    expect(first.html).toContain('Salon Batimat SAS');
    const later = renderEmail(campaign(), flagged, { unsubscribeUrl: URL, firstMessage: false });
    expect(later.text).not.toContain('Salon Batimat SAS');
    const informed = renderEmail(
      campaign(),
      { ...flagged, informedAt: '2026-01-01T00:00:00Z' },
      { unsubscribeUrl: URL, firstMessage: true },
    );
    expect(informed.text).not.toContain('Salon Batimat SAS');
  });

  it('CONTENT_NO_SOURCE when the source to name is unknown', () => {
    const flagged = contact({ informAtFirstMessage: true, collector: undefined });
    expect(checkContent(campaign(), flagged)).toEqual(['CONTENT_NO_SOURCE']);
    expect(checkContent(campaign(), { ...flagged, collector: 'Salon SAS' })).toEqual([]);
    expect(checkContent(campaign(), contact())).toEqual([]);
    expect(checkContent(campaign(), flagged, { firstMessage: false })).toEqual([]);
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
