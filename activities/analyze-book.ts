import { analyzeStatements } from '../src/analytics/bank-statements.js';
import { saveBookAnalytics } from '../src/db/analytics.js';
import { listVerifiedStatements } from '../src/db/documents.js';
import type { Pool } from '../src/db/pool.js';

export interface AnalyzeBookResult {
  statementCount: number;
  accountCount: number;
  continuityBreakCount: number;
}

/**
 * Runs the bank-statement analytics over the book's verified documents and stores them. Idempotent: the same
 * documents give the same analytics, so a retry replaces them with identical values.
 */
export function analyzeBook(pool: Pool) {
  return async (input: { tenantId: string; bookUuid: string }): Promise<AnalyzeBookResult> => {
    const statements = await listVerifiedStatements(pool, input.tenantId, input.bookUuid);
    const analytics = analyzeStatements(statements);
    await saveBookAnalytics(pool, input.tenantId, input.bookUuid, analytics);
    return {
      statementCount: analytics.statement_count,
      accountCount: analytics.account_count,
      continuityBreakCount: analytics.continuity_break_count,
    };
  };
}
