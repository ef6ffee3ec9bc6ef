import { hash } from 'node:crypto';
import { CUSTOMER_360_COLUMNS } from '@cdp360/domain';

/** Columns that identify a person; left out of every response unless the key has profiles:read-pii. */
export const PII_COLUMNS = ['first_name', 'last_name', 'email', 'phone_number', 'date_of_birth'] as const;

/** The columns a profile shows, in table order: all 29 with profiles:read-pii, else all but PII_COLUMNS. */
export function profileColumns(pii: boolean): (typeof CUSTOMER_360_COLUMNS)[number][] {
  return CUSTOMER_360_COLUMNS.filter((c) => pii || !(PII_COLUMNS as readonly string[]).includes(c));
}

/**
 * A strong ETag: the version of the state the row was derived from, plus a digest of the body. The
 * version alone is not enough: scoring runs and the batch recompute change rows (CLV quintile,
 * favourites, date columns) without a new state version, and a key without PII gets another body.
 */
export function profileEtag(version: string | null, body: string): string {
  const digest = hash('sha1', body, 'base64url').slice(0, 16);
  return `"${version ?? '0'}-${digest}"`;
}

/** True when an If-None-Match header value matches the ETag (a list, weak forms, or *). */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}
