// DOM helpers. Everything the API returns (hashtags, language names, source
// errors) is attacker-influenced, so it only ever reaches the page as
// textContent: no innerHTML, no HTML strings anywhere in the dashboard.

export function el(tag, props = {}, children = []) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "text") e.textContent = v;
    else if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c) e.append(c);
  return e;
}

export function $(id) {
  return document.getElementById(id);
}

export function fmtInt(n) {
  return Number(n || 0).toLocaleString("en-US");
}

export function fmtBytes(n) {
  const u = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  n = Number(n || 0);
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : String(n)) + " " + u[i];
}
