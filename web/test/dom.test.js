import { test } from "node:test";
import assert from "node:assert/strict";
import { fmtBytes, fmtInt } from "../src/dom.js";

test("fmtInt", () => {
  assert.equal(fmtInt(1234567), "1,234,567");
  assert.equal(fmtInt(undefined), "0");
  assert.equal(fmtInt("12"), "12");
});

test("fmtBytes", () => {
  for (const [n, want] of [[0, "0 B"], [1023, "1023 B"], [1024, "1.0 KiB"], [1536, "1.5 KiB"], [5 * 1024 ** 3, "5.0 GiB"], [2 * 1024 ** 5, "2048.0 TiB"], [null, "0 B"]]) {
    assert.equal(fmtBytes(n), want);
  }
});
