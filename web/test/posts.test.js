import { test } from "node:test";
import assert from "node:assert/strict";
import { postsView, safeLink } from "../src/posts.js";

test("safeLink keeps http(s) links only", () => {
  assert.equal(safeLink("https://x.com/a/status/1"), "https://x.com/a/status/1");
  assert.equal(safeLink("http://example.org/p?x=1"), "http://example.org/p?x=1");
  for (const bad of ["javascript:alert(1)", "JAVASCRIPT:alert(1)", " javascript:alert(1)", "data:text/html,<script>x</script>",
    "vbscript:x", "/relative", "//evil.example/x", "", null, 3, {}]) {
    assert.equal(safeLink(bad), null, String(bad));
  }
});

test("postsView keeps strings as they are and drops what is not one", () => {
  const v = postsView({ posts: [
    { id: "1", handle: "<b>mallory</b>", text: "<img src=x onerror=alert(1)>", time: "2026-12-06T14:00:00Z", lang: "en",
      tags: ["<script>", 7], url: "javascript:alert(1)" },
    null,
    { id: 2, text: ["x"], url: "https://bsky.app/profile/a/post/b" },
  ] });
  assert.equal(v.rows.length, 2);
  assert.equal(v.rows[0].handle, "<b>mallory</b>");
  assert.equal(v.rows[0].text, "<img src=x onerror=alert(1)>");
  assert.deepEqual(v.rows[0].tags, ["<script>"]);
  assert.equal(v.rows[0].link, null);
  assert.equal(v.rows[1].id, "");
  assert.equal(v.rows[1].text, "");
  assert.equal(v.rows[1].link, "https://bsky.app/profile/a/post/b");
  assert.equal(v.note, "");
});

test("postsView notes an empty answer", () => {
  assert.equal(postsView({ posts: [], note: "no text kept" }).note, "no text kept");
  assert.match(postsView(null).note, /No kept posts/);
});
