// Thin client of geoheat's JSON API: every answer is an envelope
// {"status":"success","data":...} or {"status":"error","error":...}.

export class APIError extends Error {
  constructor(message, type, status) {
    super(message);
    this.type = type;
    this.status = status;
  }
}

export async function get(path, params, signal) {
  const url = params && [...params].length ? path + "?" + params.toString() : path;
  const resp = await fetch(url, { signal, headers: { Accept: "application/json" } });
  let body;
  try {
    body = await resp.json();
  } catch {
    throw new APIError(`${path}: HTTP ${resp.status}`, "internal", resp.status);
  }
  if (body.status !== "success") throw new APIError(body.error || `HTTP ${resp.status}`, body.errorType, resp.status);
  return body.data;
}
