/**
 * The unsubscribe endpoint over HTTP (rules.md §7), independent of Lambda: the Function
 * URL handler and the local stack's plain HTTP server both call `serveUnsubscribe`.
 *
 * - `GET /u/<token>` (and HEAD): a small French page with a « Se désinscrire » button, and
 *   no side effect: mail scanners follow links.
 * - `POST /u/<token>`: the opposition is recorded — RFC 8058 one-click (body
 *   `List-Unsubscribe=One-Click`, urlencoded as Gmail sends it or multipart/form-data) or
 *   the page's button. 200 and a page, never a redirect (RFC 8058). Idempotent.
 * - A forged, truncated or expired token: 400 and a generic page; nothing recorded,
 *   nothing said about why.
 *
 * No personal data in or out: the token carries a suppression key and a campaign id only.
 */
import { escapeHtml } from '#domain/content';
import {
  type TokenKeyRing,
  type VerifiedToken,
  verifyTrackingToken,
  verifyUnsubscribeToken,
} from '#domain/unsubscribe-token';

export interface UnsubscribeRequest {
  method: string;
  /** the request path, e.g. `/u/<token>` (a prefix before `/u/` is allowed) */
  path: string;
  contentType?: string;
  body: Buffer;
}

export interface UnsubscribeResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type UnsubscribeSource = 'one-click' | 'unsubscribe-link';

export interface UnsubscribeDeps {
  tokenKeys: TokenKeyRing;
  now: Date;
  /** who the pages name (rules.md §7: the advertiser's identity and a way to reach it) */
  advertiser?: Advertiser;
  /** records the opposition (shared/flows/oppositions.ts recordUnsubscribe); `created` false: it was there already */
  record: (
    token: Extract<VerifiedToken, { ok: true }>,
    source: UnsubscribeSource,
  ) => Promise<{ created: boolean } | unknown>;
  /** whether the token's person is opposed already (the GET page says « déjà désinscrit(e) ») */
  alreadyOpposed?: (token: Extract<VerifiedToken, { ok: true }>) => Promise<boolean>;
  /**
   * the objection form (`…/opposition`): records an opposition for an address typed by the
   * person — the working way to object when a link is broken or expired; false when the
   * text is not an address
   */
  objectAddress?: (address: string) => Promise<boolean>;
  /** rules.md §7b: withdraws the tracking consent (shared/flows/oppositions.ts recordTrackingWithdrawal) */
  withdrawTracking?: (token: Extract<VerifiedToken, { ok: true }>) => Promise<unknown>;
}

const TOKEN_PATH = /\/u\/([A-Za-z0-9_.-]{1,512})\/?$/;
/** rules.md §7b: the tracking withdrawal link */
const TRACKING_PATH = /\/t\/([A-Za-z0-9_.-]{1,512})\/?$/;
/** One-click bodies are a few bytes; anything bigger is not read. */
const MAX_BODY_BYTES = 64 * 1024;

/** The token in a request path, or undefined when the path is not `…/u/<token>` or `…/t/<token>`. */
export function tokenFromPath(path: string): string | undefined {
  return TOKEN_PATH.exec(path)?.[1] ?? TRACKING_PATH.exec(path)?.[1];
}

/**
 * RFC 8058: whether a POST body is the one-click signal `List-Unsubscribe=One-Click`,
 * urlencoded (what Gmail sends) or as a multipart/form-data field (what the RFC prefers).
 */
export function isOneClickBody(contentType: string | undefined, body: Buffer): boolean {
  if (body.length === 0 || body.length > MAX_BODY_BYTES) return false;
  const type = (contentType ?? '').toLowerCase();
  if (type.startsWith('multipart/form-data')) {
    const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
    const marker = boundary?.[1] ?? boundary?.[2];
    if (!marker) return false;
    const text = body.toString('latin1');
    for (const part of text.split(`--${marker}`)) {
      const split = part.indexOf('\r\n\r\n');
      const headerEnd = split >= 0 ? split : part.indexOf('\n\n');
      if (headerEnd < 0) continue;
      const headers = part.slice(0, headerEnd);
      const value = part.slice(headerEnd).trim();
      if (
        /content-disposition:\s*form-data;[^\r\n]*\bname="?List-Unsubscribe"?/i.test(headers) &&
        value === 'One-Click'
      ) {
        return true;
      }
    }
    return false;
  }
  // urlencoded, or no content type at all
  return new URLSearchParams(body.toString('utf8')).get('List-Unsubscribe') === 'One-Click';
}

const PAGE_HEADERS: Record<string, string> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-robots-tag': 'noindex, nofollow',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
};

/** The advertiser as the pages name it. */
export interface Advertiser {
  name: string;
  /** its privacy notice (setting `privacyNoticeUrl`) */
  privacyNoticeUrl?: string;
}

/** Who sends these messages, at the foot of every page (rules.md §7). */
function identity(advertiser: Advertiser | undefined): string {
  if (!advertiser) return '';
  const notice = advertiser.privacyNoticeUrl
    ? ` — <a href="${escapeHtml(advertiser.privacyNoticeUrl)}">politique de confidentialité</a>`
    : '';
  return `\n<p><small>Messages envoyés par ${escapeHtml(advertiser.name)}${notice}.</small></p>`;
}

function page(title: string, content: string): string {
  return `<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${title}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;line-height:1.5;color:#222}button{font-size:1rem;padding:.6rem 1.2rem;cursor:pointer}</style>
</head>
<body>
<h1>${title}</h1>
${content}
</body>
</html>
`;
}

/** The confirmation page: the button posts to the same URL (no action attribute), no side effect on GET. */
export const CONFIRM_PAGE = page(
  'Se désinscrire',
  `<p>Vous ne souhaitez plus recevoir nos messages ? Confirmez ci-dessous : la désinscription prend effet immédiatement.</p>
<form method="post"><input type="hidden" name="confirm" value="1"><button type="submit">Se désinscrire</button></form>`,
);

export const DONE_PAGE = page(
  'Désinscription enregistrée',
  '<p>Votre désinscription est enregistrée. Vous ne recevrez plus nos messages de prospection.</p>',
);

export const ALREADY_PAGE = page(
  'Déjà désinscrit(e)',
  '<p>Vous êtes déjà désinscrit(e) : vous ne recevez plus nos messages de prospection. Rien d’autre à faire.</p>',
);

/**
 * Generic on purpose: forged, truncated and expired links look the same. It gives a way
 * to object that works (issue 22): the objection form, which records the opposition at once.
 */
export const INVALID_PAGE = page(
  'Lien non valide',
  `<p>Ce lien de désinscription n'est pas valide ou a expiré. Pour ne plus recevoir nos messages, indiquez votre adresse e-mail : votre opposition est enregistrée immédiatement.</p>
<form method="post" action="../opposition"><label>Adresse e-mail <input type="email" name="email" required autocomplete="email"></label> <button type="submit">Ne plus recevoir de messages</button></form>`,
);

/** The objection form on its own (`…/opposition`). */
export const OBJECTION_PAGE = page(
  'Vous opposer à nos messages',
  `<p>Indiquez votre adresse e-mail : vous ne recevrez plus nos messages de prospection, et votre opposition est conservée même si vos données sont effacées.</p>
<form method="post"><label>Adresse e-mail <input type="email" name="email" required autocomplete="email"></label> <button type="submit">Ne plus recevoir de messages</button></form>`,
);

export const OBJECTION_INVALID_PAGE = page(
  'Adresse non reconnue',
  '<p>Cette adresse e-mail ne semble pas valide. Revenez en arrière pour la corriger.</p>',
);

const NOT_FOUND_PAGE = page('Page introuvable', '<p>Cette page n’existe pas.</p>');

/** rules.md §7b: the tracking withdrawal page: GET changes nothing, the button posts. */
export const TRACKING_CONFIRM_PAGE = page(
  "Mesure d'ouverture et de clics",
  `<p>Vous aviez accepté que nous mesurions l'ouverture de nos messages et les clics sur leurs liens. Vous pouvez retirer ce consentement : nos messages ne seront plus mesurés. Vous continuerez à les recevoir (pour ne plus les recevoir, utilisez le lien « se désinscrire »).</p>
<form method="post"><input type="hidden" name="confirm" value="1"><button type="submit">Ne plus mesurer</button></form>`,
);

export const TRACKING_DONE_PAGE = page(
  'Mesure désactivée',
  "<p>C'est fait : l'ouverture de nos messages et les clics sur leurs liens ne sont plus mesurés pour vous.</p>",
);

/** The path of the objection form (beside `/u/<token>`). */
const OBJECTION_PATH = /\/(?:u\/)?opposition\/?$/;

/** Serves one request of the unsubscribe endpoint. */
export async function serveUnsubscribe(
  request: UnsubscribeRequest,
  deps: UnsubscribeDeps,
): Promise<UnsubscribeResponse> {
  const response = await serve(request, deps);
  // rules.md §7: every page names the advertiser
  return response.body && response.headers === PAGE_HEADERS
    ? { ...response, body: response.body.replace('\n</body>', `${identity(deps.advertiser)}\n</body>`) }
    : response;
}

async function serve(request: UnsubscribeRequest, deps: UnsubscribeDeps): Promise<UnsubscribeResponse> {
  const method = request.method.toUpperCase();
  if (OBJECTION_PATH.test(request.path) && deps.objectAddress) {
    if (method === 'POST') {
      const address = new URLSearchParams(request.body.toString('utf8')).get('email')?.trim() ?? '';
      const recorded = address.length > 0 && address.length <= 320 && (await deps.objectAddress(address));
      return recorded
        ? { status: 200, headers: PAGE_HEADERS, body: DONE_PAGE }
        : { status: 400, headers: PAGE_HEADERS, body: OBJECTION_INVALID_PAGE };
    }
    if (method !== 'GET' && method !== 'HEAD')
      return { status: 405, headers: { ...PAGE_HEADERS, allow: 'GET, HEAD, POST' }, body: '' };
    return { status: 200, headers: PAGE_HEADERS, body: method === 'HEAD' ? '' : OBJECTION_PAGE };
  }
  const trackingToken = TRACKING_PATH.exec(request.path)?.[1];
  if (trackingToken && deps.withdrawTracking) {
    if (method !== 'GET' && method !== 'HEAD' && method !== 'POST')
      return { status: 405, headers: { ...PAGE_HEADERS, allow: 'GET, HEAD, POST' }, body: '' };
    const verified = verifyTrackingToken(trackingToken, deps.tokenKeys, deps.now);
    if (!verified.ok) return { status: 400, headers: PAGE_HEADERS, body: method === 'HEAD' ? '' : INVALID_PAGE };
    if (method !== 'POST')
      return { status: 200, headers: PAGE_HEADERS, body: method === 'HEAD' ? '' : TRACKING_CONFIRM_PAGE };
    await deps.withdrawTracking(verified);
    return { status: 200, headers: PAGE_HEADERS, body: TRACKING_DONE_PAGE };
  }
  const token = TOKEN_PATH.exec(request.path)?.[1];
  if (!token) return { status: 404, headers: PAGE_HEADERS, body: NOT_FOUND_PAGE };
  if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') {
    return { status: 405, headers: { ...PAGE_HEADERS, allow: 'GET, HEAD, POST' }, body: '' };
  }
  const verified = verifyUnsubscribeToken(token, deps.tokenKeys, deps.now);
  if (!verified.ok) return { status: 400, headers: PAGE_HEADERS, body: method === 'HEAD' ? '' : INVALID_PAGE };
  if (method !== 'POST') {
    if (method === 'HEAD') return { status: 200, headers: PAGE_HEADERS, body: '' };
    // a read, no side effect: a person coming back to the link learns it is done
    const already = deps.alreadyOpposed ? await deps.alreadyOpposed(verified) : false;
    return { status: 200, headers: PAGE_HEADERS, body: already ? ALREADY_PAGE : CONFIRM_PAGE };
  }
  // rules.md §7: any POST with a valid token is a "no" (the one-click body, the page's button,
  // or a client that posts something else): honouring it is the safe side.
  const source: UnsubscribeSource = isOneClickBody(request.contentType, request.body)
    ? 'one-click'
    : 'unsubscribe-link';
  const outcome = (await deps.record(verified, source)) as { created?: boolean } | undefined;
  return { status: 200, headers: PAGE_HEADERS, body: outcome?.created === false ? ALREADY_PAGE : DONE_PAGE };
}
