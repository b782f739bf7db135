// Proves how publish requests are read: destinations rebuilt from raw paths (spec §1.2), every
// Upstash-* header of §3 parsed or refused with a 400, callback settings one prefix deeper.

import { describe, expect, test } from "bun:test";
import { canonicalHeaderName, classifyDestination, destinationFromRawUrl, parseFlowControlValue, parseMessageSettings } from "../../src/qstash/publish-request.ts";

describe("destinations", () => {
  test("are the raw path after the prefix plus the query minus qstash_token", () => {
    expect(destinationFromRawUrl("http://s:1/v2/publish/http://127.0.0.1:9/path/a?x=1&qstash_token=t&y=two", "/v2/publish/")).toBe("http://127.0.0.1:9/path/a?x=1&y=two");
    expect(destinationFromRawUrl("http://s:1/v2/publish/https:/host.test/p", "/v2/publish/")).toBe("https://host.test/p");
    expect(destinationFromRawUrl("http://s:1/v2/publish/my-group", "/v2/publish/")).toBe("my-group");
    expect(destinationFromRawUrl("http://s:1/v2/publish/http://h/a%20b//c", "/v2/publish/")).toBe("http://h/a%20b//c");
  });

  test("are a URL or a URL group name", () => {
    expect(classifyDestination("https://x.test/")).toEqual({ kind: "url", url: "https://x.test/" });
    expect(classifyDestination("orders")).toEqual({ kind: "group", name: "orders" });
  });
});

describe("parseMessageSettings", () => {
  test("defaults: POST, 3 retries, no delay, nothing forwarded", () => {
    expect(parseMessageSettings([])).toEqual({
      method: "POST",
      header: {},
      delayMs: 0,
      notBeforeMs: undefined,
      maxRetries: 3,
      retryDelayExpression: undefined,
      timeoutMs: undefined,
      callback: undefined,
      callbackHeaders: [],
      failureCallback: undefined,
      failureCallbackHeaders: [],
      deduplicationId: undefined,
      contentBasedDeduplication: false,
      flowControl: undefined,
      labels: [],
      redact: undefined,
      workflowHeaders: [],
    });
  });

  test("reads every configuration header; telemetry is ignored; forwarded names are canonical", () => {
    const settings = parseMessageSettings([
      ["upstash-method", "put"],
      ["upstash-delay", "1m30s"],
      ["upstash-not-before", "1800000000"],
      ["upstash-retries", "7"],
      ["upstash-retry-delay", "pow(2, retried) * 1000"],
      ["upstash-timeout", "10s"],
      ["upstash-callback", "https://cb.test/"],
      ["upstash-callback-retries", "1"],
      ["upstash-callback-forward-x-token", "t"],
      ["upstash-failure-callback", "https://fail.test/"],
      ["upstash-failure-callback-method", "PUT"],
      ["upstash-deduplication-id", "d-1"],
      ["upstash-flow-control-key", "k"],
      ["upstash-flow-control-value", "parallelism=2,rate=5, period=1m"],
      ["upstash-label", "a, b"],
      ["upstash-redact-fields", "body,header[X-Secret]"],
      ["upstash-forward-x-custom-header", "v"],
      ["upstash-telemetry-sdk", "upstash-qstash-js@2.12.0"],
      ["content-type", "application/json"],
      ["upstash-workflow-runid", "wfr_1"],
    ]);
    expect(settings).toMatchObject({
      method: "PUT",
      header: { "X-Custom-Header": ["v"], "Content-Type": ["application/json"] },
      delayMs: 90_000,
      notBeforeMs: 1_800_000_000_000,
      maxRetries: 7,
      retryDelayExpression: "pow(2, retried) * 1000",
      timeoutMs: 10_000,
      callback: "https://cb.test/",
      callbackHeaders: [["upstash-retries", "1"], ["upstash-forward-x-token", "t"]],
      failureCallback: "https://fail.test/",
      failureCallbackHeaders: [["upstash-method", "PUT"]],
      deduplicationId: "d-1",
      flowControl: { key: "k", parallelism: 2, rate: 5, periodS: 60 },
      labels: ["a", "b"],
      redact: { body: true, allHeaders: false, headers: ["X-Secret"] },
      workflowHeaders: [["upstash-workflow-runid", "wfr_1"]],
    });
  });

  test("a forwarded header may have any name a header may have, __proto__ too", () => {
    const { header } = parseMessageSettings([
      ["upstash-forward-__proto__", "a"],
      ["upstash-forward-constructor", "b"],
    ]);
    expect(Object.entries(header)).toEqual([
      ["__proto__", ["a"]],
      ["Constructor", ["b"]],
    ]);
  });

  test("a callback's retries default to its source's", () => {
    expect(parseMessageSettings([], { maxRetries: 9 }).maxRetries).toBe(9);
  });

  test.each([
    ["upstash-method", "FETCH", "invalid Upstash-Method"],
    ["upstash-delay", "5 minutes", "invalid Upstash-Delay"],
    ["upstash-delay", "400d", "longer than the maximum"],
    ["upstash-not-before", "tomorrow", "invalid Upstash-Not-Before"],
    ["upstash-retries", "many", "invalid Upstash-Retries"],
    ["upstash-retry-delay", "1000 +", "invalid Upstash-Retry-Delay"],
    ["upstash-timeout", "0s", "invalid Upstash-Timeout"],
    ["upstash-callback", "ftp://x/", "invalid Upstash-Callback"],
    ["upstash-redact-fields", "cookies", "invalid Upstash-Redact-Fields"],
  ])("%s: %s is a 400", (name, value, message) => {
    expect(() => parseMessageSettings([[name, value]])).toThrow(message);
  });

  test("a bad callback setting fails the publish itself", () => {
    expect(() => parseMessageSettings([["upstash-callback", "https://cb.test/"], ["upstash-callback-retries", "x"]])).toThrow("invalid Upstash-Retries");
  });

  test("flow-control values accept the SDK's and the docs' spellings", () => {
    expect(parseFlowControlValue("parallelism=2, rate=5, period=1d")).toEqual({ parallelism: 2, rate: 5, periodS: 86_400 });
    expect(parseFlowControlValue("rate=3,period=30")).toEqual({ rate: 3, periodS: 30 });
    expect(() => parseFlowControlValue("burst=3")).toThrow("invalid Upstash-Flow-Control-Value");
  });

  test("canonical header names are Go's", () => {
    expect(["content-type", "TEST-HEADER", "bypass-tunnel-reminder", "x"].map(canonicalHeaderName)).toEqual(["Content-Type", "Test-Header", "Bypass-Tunnel-Reminder", "X"]);
  });
});
