// Escaping for the review page: every plan value and journal message is user data.

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
// Control characters have no business in a page and some are not allowed in HTML at all.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;

/** Text for element content and quoted attribute values alike. */
export function esc(value: string | number): string {
  return String(value).replace(CONTROL, '').replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** An id fragment safe in `id` and `href="#..."` whatever the cluster is called. */
export function slug(value: string, index: number): string {
  return `c${index}-${value.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40)}`;
}
