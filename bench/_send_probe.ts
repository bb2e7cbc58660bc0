import { createHash } from 'node:crypto';
import { defaultSettings } from '#schemas/settings';
import { contactsOfList, putNewContacts } from '#store/contacts';
import { startBenchEmulators } from './support.ts';
const N = 100000;
const em = await startBenchEmulators();
try {
  const key = (i: number) => createHash('sha256').update(`p${i}`).digest('hex');
  for (let f = 0; f < N; f += 20000) {
    const cs = Array.from({ length: 20000 }, (_, k) => { const i = f + k; return {
    suppressionKey: key(i), email: `prenom.nom${i}@entreprise-${i % 997}.fr`, firstName: 'Camille', lastName: `Nom${i}`,
    company: `Entreprise ${i % 997}`, jobTitle: 'Responsable des achats', kind: 'professional' as const,
    bases: { email: 'b2b-interest' as const }, listId: 'L', listIds: ['L'], collector: 'Salon Batimat SAS', sourceKind: 'event',
    collectedAt: '2026-10-05T00:00:00.000Z', productCategories: [], informAtFirstMessage: false, expiresAt: '2029-01-01T00:00:00.000Z',
  }; });
    await putNewContacts(cs, defaultSettings, 8);
  }
  let t = performance.now(); let pages = 0; const per: number[] = [];
  let last = t;
  for await (const _page of contactsOfList('L')) { pages++; const n = performance.now(); per.push(Math.round(n - last)); last = n; }
  console.log('query', pages, 'pages', ((performance.now() - t) / 1000).toFixed(2), 's; per page ms', per.join(','));
} finally { await em.stop(); }
