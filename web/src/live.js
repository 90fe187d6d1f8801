// Live updates: one EventSource on /api/live for the current selection. The
// server sends at most one snapshot a second and only the newest one
// (latest wins), so a slow tab never queues stale data.

export function subscribe(params, { onSnapshot, onState }) {
  const es = new EventSource("/api/live?" + params.toString());
  es.addEventListener("open", () => onState(true));
  es.addEventListener("error", () => onState(false)); // EventSource retries by itself
  es.addEventListener("snapshot", (e) => {
    let snap;
    try {
      snap = JSON.parse(e.data);
    } catch {
      return;
    }
    onSnapshot(snap);
  });
  return () => es.close();
}
