import { createHash } from 'node:crypto';
import type { Customer360Row } from '@cdp360/domain';

/** Columns that identify a person; left out of every response unless the key has profiles:read-pii. */
export const PII_COLUMNS = ['first_name', 'last_name', 'email', 'phone_number', 'date_of_birth'] as const;

/** The row as the API shows it: money and dates already come from Postgres as text, nulls stay. */
export function profileView(row: Customer360Row, pii: boolean): Record<string, unknown> {
  if (pii) return { ...row };
  const out: Record<string, unknown> = { ...row };
  for (const c of PII_COLUMNS) delete out[c];
  return out;
}

/**
 * A strong ETag: the version of the state the row was derived from, plus a digest of the body. The
 * version alone is not enough: scoring runs and the batch recompute change rows (CLV quintile,
 * favourites, date columns) without a new state version, and a key without PII gets another body.
 */
export function profileEtag(version: string | null, body: string): string {
  const digest = createHash('sha1').update(body).digest('base64url').slice(0, 16);
  return `"${version ?? '0'}-${digest}"`;
}

/** True when an If-None-Match header value matches the ETag (a list, weak forms, or *). */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}
