// A strict parser of the Prometheus text exposition format 0.0.4, for tests: it rejects what a
// Prometheus server would reject (bad names, bad escapes, samples of undeclared families, duplicate
// series, TYPE after samples) and checks histogram invariants (cumulative buckets, +Inf = count).

export interface Sample {
  /** The sample's own name (`x_bucket`, `x_sum` for histograms). */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  type: "counter" | "gauge" | "histogram" | "summary" | "untyped";
  help: string | undefined;
  samples: Sample[];
}

export type Exposition = Map<string, MetricFamily>;

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

export function parseExposition(text: string): Exposition {
  if (text !== "" && !text.endsWith("\n")) throw new Error("exposition must end with a newline");
  const families: Exposition = new Map();
  const seriesSeen = new Set<string>();
  const lines = text.split("\n");
  lines.pop();
  lines.forEach((line, index) => {
    const where = `line ${index + 1} (${JSON.stringify(line)})`;
    if (line.trim() === "") return;
    if (line.startsWith("#")) {
      const match = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
      if (match === null) return; // a plain comment
      const [, keyword, name, rest = ""] = match;
      if (!NAME.test(name!)) throw new Error(`${where}: bad metric name`);
      const family = familyFor(families, name!);
      if (keyword === "TYPE") {
        if (!TYPES.has(rest)) throw new Error(`${where}: unknown type`);
        if (family.samples.length > 0) throw new Error(`${where}: TYPE after samples`);
        family.type = rest as MetricFamily["type"];
      } else {
        if (family.help !== undefined) throw new Error(`${where}: second HELP`);
        family.help = unescape(rest, false, where);
      }
      return;
    }
    const sample = parseSample(line, where);
    const family = owningFamily(families, sample.name);
    if (family === undefined) throw new Error(`${where}: sample of an undeclared family`);
    const seriesKey = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (seriesSeen.has(seriesKey)) throw new Error(`${where}: duplicate series`);
    seriesSeen.add(seriesKey);
    family.samples.push(sample);
  });
  for (const family of families.values()) if (family.type === "histogram") checkHistogram(family);
  return families;
}

function familyFor(families: Exposition, name: string): MetricFamily {
  let family = families.get(name);
  if (family === undefined) {
    family = { name, type: "untyped", help: undefined, samples: [] };
    families.set(name, family);
  }
  return family;
}

function owningFamily(families: Exposition, sampleName: string): MetricFamily | undefined {
  const direct = families.get(sampleName);
  if (direct !== undefined && direct.type !== "histogram") return direct;
  const suffix = /_(bucket|sum|count)$/.exec(sampleName);
  if (suffix !== null) {
    const base = families.get(sampleName.slice(0, -suffix[0].length));
    if (base !== undefined && base.type === "histogram") return base;
  }
  return undefined;
}

function parseSample(line: string, where: string): Sample {
  const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
  if (nameMatch === null) throw new Error(`${where}: bad sample name`);
  const name = nameMatch[0];
  let i = name.length;
  const labels: Record<string, string> = {};
  if (line[i] === "{") {
    i++;
    while (line[i] !== "}") {
      const labelMatch = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(i));
      if (labelMatch === null || !LABEL_NAME.test(labelMatch[1]!)) throw new Error(`${where}: bad label at ${i}`);
      i += labelMatch[0].length;
      let raw = "";
      while (line[i] !== '"') {
        if (i >= line.length) throw new Error(`${where}: unterminated label value`);
        if (line[i] === "\\") {
          raw += line.slice(i, i + 2);
          i += 2;
        } else raw += line[i++];
      }
      i++;
      if (labelMatch[1]! in labels) throw new Error(`${where}: label ${labelMatch[1]} twice`);
      labels[labelMatch[1]!] = unescape(raw, true, where);
      if (line[i] === ",") i++;
      else if (line[i] !== "}") throw new Error(`${where}: expected , or } at ${i}`);
    }
    i++;
  }
  const rest = line.slice(i);
  const valueMatch = /^ (\S+)(?: (-?\d+))?$/.exec(rest);
  if (valueMatch === null) throw new Error(`${where}: bad value part ${JSON.stringify(rest)}`);
  return { name, labels, value: parseValue(valueMatch[1]!, where) };
}

function parseValue(text: string, where: string): number {
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  if (text === "NaN") return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`${where}: bad number ${text}`);
  return Number(text);
}

function unescape(text: string, isLabelValue: boolean, where: string): string {
  return text.replace(/\\(.)/g, (_, c: string) => {
    if (c === "n") return "\n";
    if (c === "\\") return "\\";
    if (c === '"' && isLabelValue) return '"';
    throw new Error(`${where}: bad escape \\${c}`);
  });
}

function checkHistogram(family: MetricFamily): void {
  const groups = new Map<string, { buckets: [number, number][]; sum?: number; count?: number }>();
  for (const sample of family.samples) {
    const { le, ...rest } = sample.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const group = groups.get(key) ?? { buckets: [] };
    groups.set(key, group);
    if (sample.name.endsWith("_bucket")) {
      if (le === undefined) throw new Error(`${family.name}: bucket without le`);
      group.buckets.push([parseValue(le, family.name), sample.value]);
    } else if (sample.name.endsWith("_sum")) group.sum = sample.value;
    else group.count = sample.value;
  }
  for (const [key, group] of groups) {
    const where = `${family.name}${key}`;
    if (group.count === undefined || group.sum === undefined) throw new Error(`${where}: missing _count or _sum`);
    const sorted = [...group.buckets].sort((a, b) => a[0] - b[0]);
    if (sorted.at(-1)?.[0] !== Infinity) throw new Error(`${where}: no +Inf bucket`);
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i]![1] < sorted[i - 1]![1]) throw new Error(`${where}: buckets are not cumulative`);
    }
    if (sorted.at(-1)![1] !== group.count) throw new Error(`${where}: +Inf bucket differs from _count`);
  }
}

/** The value of one series, 0 when it is absent (a counter not yet touched). */
export function sampleValue(exposition: Exposition, name: string, labels: Record<string, string> = {}): number {
  const familyName = name.replace(/_(bucket|sum|count)$/, "");
  const family = exposition.get(name) ?? exposition.get(familyName);
  const wanted = Object.entries(labels);
  const found = family?.samples.find(
    (sample) => sample.name === name && Object.keys(sample.labels).length === wanted.length && wanted.every(([k, v]) => sample.labels[k] === v),
  );
  return found?.value ?? 0;
}
