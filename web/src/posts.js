// The posts near a click: what the panel shows of an /api/posts answer.
// Everything in it (text, handle, tags, url) is the author's, so it only
// ever reaches the page as text, and a link only when it is http(s).
// Pure, so node --test drives it (web/test/); panels.js draws.

// safeLink is url when it is an absolute http(s) URL, else null: a
// javascript: or data: link would run the author's script.
export function safeLink(url) {
  if (typeof url !== "string" || !url) return null;
  let u;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
}

const str = (v) => (typeof v === "string" ? v : "");

// postsView is the panel's rows and note of an answer.
export function postsView(data) {
  const posts = Array.isArray(data?.posts) ? data.posts : [];
  const rows = posts.filter((p) => p && typeof p === "object").map((p) => ({
    id: str(p.id),
    handle: str(p.handle),
    time: str(p.time),
    lang: str(p.lang),
    text: str(p.text),
    tags: Array.isArray(p.tags) ? p.tags.filter((t) => typeof t === "string") : [],
    link: safeLink(p.url),
  }));
  let note = str(data?.note);
  if (!note && !rows.length) note = "No kept posts near this spot for the selection.";
  return { rows, note };
}
