/**
 * Tracking opens and clicks only with the person's consent (rules.md §7b): which message
 * is tracked, where the consent comes from, its withdrawal, and the withdrawal link.
 */
import { describe, expect, it } from 'vitest';
import { renderEmail } from '#domain/content';
import { mergeContact } from '#domain/merge';
import { contactAfterTrackingWithdrawal, tracksMessage } from '#domain/tracking';
import {
  createTrackingToken,
  createUnsubscribeToken,
  isUnsubscribeLink,
  trackingOptOutUrl,
  verifyTrackingToken,
  verifyUnsubscribeToken,
} from '#domain/unsubscribe-token';
import { defaultSettings } from '#schemas/settings';
import { campaign, contact, judgeRows, manifest, NOW, settings } from './fixtures.ts';

const consent = { at: '2026-03-01T00:00:00.000Z', wording: 'J’accepte la mesure', wordingVersion: 't1', listId: 'l' };
const withLink = campaign({}, { text: 'Acme SAS. {{unsubscribeUrl}} Ne plus mesurer : {{trackingOptOutUrl}}' });
const withoutLink = campaign({}, { text: 'Acme SAS. {{unsubscribeUrl}}' });

describe('tracksMessage (rules.md §7b)', () => {
  it.each([
    ['consent and the withdrawal link', contact({ trackingConsent: consent }), withLink, defaultSettings, true],
    ['consent, no withdrawal link', contact({ trackingConsent: consent }), withoutLink, defaultSettings, false],
    ['the link, no consent', contact(), withLink, defaultSettings, false],
    [
      'consent withdrawn',
      contactAfterTrackingWithdrawal(contact({ trackingConsent: consent }), NOW),
      withLink,
      defaultSettings,
      false,
    ],
    [
      'an SMS is never tracked',
      contact({ trackingConsent: consent }),
      campaign({ channel: 'sms' }),
      defaultSettings,
      false,
    ],
    [
      'both settings off: every email is tracked (the operator’s call)',
      contact(),
      withoutLink,
      settings({ pixelRequiresConsent: false, linkTrackingRequiresConsent: false }),
      true,
    ],
  ])('%s → %s', (_name, c, camp, s, expected) => {
    expect(tracksMessage(camp, c as ReturnType<typeof contact>, s)).toBe(expected);
  });
});

describe('the tracking consent of a row (rules.md §7b)', () => {
  const tracking = { wording: "J'accepte la mesure de l'ouverture de vos messages", wordingVersion: 't1' };
  const m = (withWording: boolean) =>
    manifest({ consent: { ...manifest().consent, ...(withWording ? { tracking } : {}) } });

  it('is kept with its proof when the manifest documents the wording', () => {
    const { out } = judgeRows(m(true), [
      { email: 'lea@gmail.com', consent_at: '2026-03-01', tracking_consent_at: '2026-03-02' },
    ]);
    expect(out[0]?.contact?.trackingConsent).toEqual({
      at: '2026-03-01T23:00:00.000Z',
      wording: tracking.wording,
      wordingVersion: 't1',
      listId: 'test-list',
    });
  });

  it.each([
    ['no wording in the manifest', false, '2026-03-02'],
    ['a date after the judgement', true, '2027-01-01'],
    ['an unreadable date', true, 'hier'],
  ])('is none with %s', (_name, withWording, at) => {
    const { out } = judgeRows(m(withWording), [
      { email: 'lea@gmail.com', consent_at: '2026-03-01', tracking_consent_at: at },
    ]);
    expect(out[0]?.decision.status).toBe('accepted');
    expect(out[0]?.contact?.trackingConsent).toBeUndefined();
  });

  it('a withdrawal outlives a list that brings an older consent; a newer one counts', () => {
    const withdrawn = contactAfterTrackingWithdrawal(
      contact({ trackingConsent: consent }),
      new Date('2026-06-01T00:00:00Z'),
    );
    expect(withdrawn?.trackingConsent).toBeUndefined();
    const older = mergeContact(withdrawn as ReturnType<typeof contact>, contact({ trackingConsent: consent }));
    expect(older.trackingConsent).toBeUndefined();
    expect(older.trackingWithdrawnAt).toBe('2026-06-01T00:00:00.000Z');
    const newer = { ...consent, at: '2026-07-01T00:00:00.000Z' };
    expect(
      mergeContact(withdrawn as ReturnType<typeof contact>, contact({ trackingConsent: newer })).trackingConsent,
    ).toEqual(newer);
  });
});

describe('the withdrawal link (rules.md §7b)', () => {
  const keys = { tokenKeys: { k1: 'x'.repeat(40) }, currentTokenKeyId: 'k1' };
  const claims = { suppressionKey: 'a'.repeat(64), campaignId: 'printemps' };

  it('a tracking token is not an unsubscribe token, nor the reverse', () => {
    const tracking = createTrackingToken(claims, keys, NOW);
    const unsubscribe = createUnsubscribeToken(claims, keys, NOW);
    expect(verifyTrackingToken(tracking, keys.tokenKeys, NOW)).toMatchObject({ ok: true, ...claims });
    expect(verifyUnsubscribeToken(tracking, keys.tokenKeys, NOW)).toEqual({ ok: false });
    expect(verifyTrackingToken(unsubscribe, keys.tokenKeys, NOW)).toEqual({ ok: false });
  });

  it('is rendered where the message puts {{trackingOptOutUrl}}, and a click on it is no sign of interest', () => {
    const url = trackingOptOutUrl('https://d.acme.fr/', 'TOKEN');
    expect(url).toBe('https://d.acme.fr/t/TOKEN');
    const rendered = renderEmail(withLink, contact(), {
      unsubscribeUrl: 'U',
      firstMessage: false,
      trackingOptOutUrl: url,
    });
    expect(rendered.text).toContain('Ne plus mesurer : https://d.acme.fr/t/TOKEN');
    expect(isUnsubscribeLink(url, 'https://d.acme.fr')).toBe(true);
  });
});

describe('the greeting (issue 22)', () => {
  it('no « Bonjour , » when there is no first name', () => {
    const c = campaign(
      {},
      {
        text: 'Bonjour {{firstName}}, Acme SAS. {{unsubscribeUrl}}',
        html: '<p>Bonjour {{firstName}},</p>{{unsubscribeUrl}}',
      },
    );
    const none = renderEmail(c, contact({ firstName: undefined }), { unsubscribeUrl: 'U', firstMessage: false });
    expect(none.text.startsWith('Bonjour, Acme SAS.')).toBe(true);
    expect(none.html).toContain('<p>Bonjour,</p>');
    const lea = renderEmail(c, contact({ firstName: 'Léa' }), { unsubscribeUrl: 'U', firstMessage: false });
    expect(lea.text.startsWith('Bonjour Léa, Acme SAS.')).toBe(true);
  });
});
