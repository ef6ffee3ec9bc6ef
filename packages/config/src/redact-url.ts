/** Query parameters that say how to connect and never hold a secret; every other one is left out. */
const SHOWN_PARAMETERS = new Set(['sslmode']);

/**
 * A service URL as it may be shown to a user or written to a log: no user name or password, and of
 * the query only the parameters that carry no secret (`postgres://u:p@db:5432/x?sslmode=require&password=p`
 * becomes `postgres://db:5432/x?sslmode=require`). A string that is not a URL comes back as `(invalid URL)`.
 */
export function redactUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return '(invalid URL)';
  }
  const query = [...url.searchParams]
    .filter(([name]) => SHOWN_PARAMETERS.has(name))
    .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
    .join('&');
  const path = url.pathname === '/' ? '' : url.pathname;
  return `${url.protocol}//${url.host}${path}${query ? `?${query}` : ''}`;
}
