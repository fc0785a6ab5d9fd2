import { analyzeStatements } from '../../analytics/bank-statements.js';
import type { PreviewEvent } from '../../contract/endpoints.js';
import { buildEventPayload } from '../payloads.js';
import { testPayload } from '../test-payload.js';
import type { RenderableEvent } from './summary.js';

/**
 * A sample book's events, for the preview of an endpoint's format (`GET /v1/endpoints/{id}/preview`): built by the
 * same code as real bodies, so a preview shows exactly what the format makes of each event kind.
 */
const BOOK_UUID = '0b1e9d4e-5a3c-4f7e-9c2d-8a6f1e2b3c4d';
const DOCS = ['7c9e6679-7425-40de-944b-e07fc1f90ae7', '9f1c2e3d-4b5a-4c6d-8e7f-0a1b2c3d4e5f'] as const;
const BOOK_NAME = 'Acme Bakery LLC — bank statements';
const AT = '2026-12-01T12:00:00.000Z';

const statement = (docUuid: string, month: string, last: number, start: number, end: number) => ({
  doc_uuid: docUuid,
  fields: {
    account_id: 'CHK-0042',
    period_start: `2026-${month}-01`,
    period_end: `2026-${month}-${last}`,
    starting_balance: start,
    ending_balance: end,
    total_deposits: 1_250_000,
    total_withdrawals: 1_250_000 + start - end,
    nsf_count: 0,
  },
});

export function sampleEvent(kind: PreviewEvent): RenderableEvent {
  const id = (prefix: string) => `evt_${prefix}_${BOOK_UUID.replace(/-/g, '')}`;
  const counts = { total: 2, verifying: 0, verified: 1, rejected: 1 };
  const base = { occurredAt: AT, bookStatus: 'COMPLETE' as const, counts };
  switch (kind) {
    case 'TEST':
      return testPayload('evt_test_0123456789abcdef0123456789abcdef', AT);
    case 'VERIFICATION_COMPLETE':
    case 'VERIFICATION_FAILED': {
      const failed = kind === 'VERIFICATION_FAILED';
      const docUuid = DOCS[failed ? 1 : 0];
      return buildEventPayload(
        BOOK_UUID,
        {
          ...base,
          eventId: id(failed ? 'vf' : 'vc'),
          type: 'VERIFICATION_COMPLETE',
          docUuid,
          result: failed ? 'FAILED' : 'SUCCEEDED',
          ...(failed ? { reason: 'The ending balance does not match the transactions' } : {}),
          bookStatus: 'SEALED',
          counts: failed ? counts : { total: 2, verifying: 1, verified: 1, rejected: 0 },
        },
        { bookName: BOOK_NAME, docName: failed ? 'november-2026.pdf' : 'october-2026.pdf' },
      );
    }
    case 'BOOK_COMPLETE':
      return buildEventPayload(
        BOOK_UUID,
        { ...base, eventId: id('bc'), type: 'BOOK_COMPLETE' },
        {
          bookName: BOOK_NAME,
          uploadedDocs: [
            { uuid: DOCS[0], status: 'VERIFICATION_COMPLETE' },
            { uuid: DOCS[1], status: 'REJECTED' },
          ],
        },
      );
    case 'ANALYTICS_COMPLETED':
      return buildEventPayload(
        BOOK_UUID,
        { ...base, eventId: id('ac'), type: 'ANALYTICS_COMPLETED', bookStatus: 'ANALYTICS_COMPLETE' },
        {
          bookName: BOOK_NAME,
          analytics: analyzeStatements([statement(DOCS[0], '10', 31, 420_000, 515_000)]),
        },
      );
  }
}
