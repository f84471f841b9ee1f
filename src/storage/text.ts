/** Small text transforms the stores share for what they show and report. */

/** A URL fit for a message: any user:password part is dropped. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username === '' && u.password === '') return url;
    u.username = '';
    u.password = '';
    return u.href;
  } catch {
    // Not a URL the parser accepts: still cut anything between "//" and "@".
    return url.replace(/\/\/[^/@]*@/, '//');
  }
}

/** An ETag header's value without its quotes: `"abc"` → `abc`, `W/"abc"` → `W/abc` (as DVC stores it). */
export function etagValue(etag: string): string {
  return etag.replace(/^(W\/)?"(.*)"$/, '$1$2');
}
