// URL groups, the API's "topics" (spec/qstash.md §2.6): a name and a set of endpoints. A publish
// to a group fans out at publish time, one message per endpoint. Adding upserts endpoints (by
// URL, or by name when named); removing the last endpoint deletes the group. In memory; the
// service persists each change.

import { BadRequestError } from "./publish-request.ts";

export interface Endpoint {
  name?: string;
  url: string;
}

export interface UrlGroup {
  name: string;
  createdAtMs: number;
  updatedAtMs: number;
  endpoints: Endpoint[];
}

export const URL_GROUP_NAME_PATTERN = /^[A-Za-z0-9._-]{1,256}$/;

/** Reads `{"endpoints":[{"name"?, "url"?}]}`; `urlRequired` for additions. */
export function parseEndpoints(body: unknown, urlRequired: boolean): Endpoint[] {
  const endpoints = (body as { endpoints?: unknown } | null)?.endpoints;
  if (!Array.isArray(endpoints) || endpoints.length === 0) throw new BadRequestError("endpoints must be a non-empty array of {name?, url}");
  return endpoints.map((endpoint: unknown) => {
    const { name, url } = (endpoint ?? {}) as { name?: unknown; url?: unknown };
    if (name !== undefined && name !== null && (typeof name !== "string" || !URL_GROUP_NAME_PATTERN.test(name))) {
      throw new BadRequestError(`invalid endpoint name ${JSON.stringify(name)}: use letters, digits, '-', '_' and '.'`);
    }
    if (url !== undefined && url !== null && typeof url !== "string") throw new BadRequestError("endpoint url must be a string");
    if (urlRequired && (typeof url !== "string" || url === "")) throw new BadRequestError("every endpoint needs a url");
    if (!urlRequired && (url === undefined || url === null) && (name === undefined || name === null)) {
      throw new BadRequestError("every endpoint to remove needs a name or a url");
    }
    return { ...(typeof name === "string" ? { name } : {}), ...(typeof url === "string" ? { url } : {}) } as Endpoint;
  });
}

export class UrlGroupRegistry {
  private readonly groups = new Map<string, UrlGroup>();

  get(name: string): UrlGroup | undefined {
    return this.groups.get(name);
  }

  all(): UrlGroup[] {
    return [...this.groups.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  restore(group: UrlGroup): void {
    this.groups.set(group.name, group);
  }

  /** Creates the group if missing and upserts the endpoints; returns the group. */
  addEndpoints(name: string, endpoints: Endpoint[], nowMs: number): UrlGroup {
    const group = this.groups.get(name) ?? { name, createdAtMs: nowMs, updatedAtMs: nowMs, endpoints: [] };
    for (const endpoint of endpoints) {
      const index = group.endpoints.findIndex((existing) => existing.url === endpoint.url || (endpoint.name !== undefined && existing.name === endpoint.name));
      if (index === -1) group.endpoints.push(endpoint);
      else group.endpoints[index] = endpoint;
    }
    group.updatedAtMs = nowMs;
    this.groups.set(name, group);
    return group;
  }

  /** Removes matching endpoints; the group goes when none is left (returns undefined then). */
  removeEndpoints(name: string, endpoints: Endpoint[], nowMs: number): UrlGroup | undefined {
    const group = this.groups.get(name);
    if (group === undefined) return undefined;
    group.endpoints = group.endpoints.filter(
      (existing) =>
        !endpoints.some(
          (removed) => (removed.url !== undefined && removed.url === existing.url) || (removed.name !== undefined && removed.name === existing.name),
        ),
    );
    group.updatedAtMs = nowMs;
    if (group.endpoints.length === 0) {
      this.groups.delete(name);
      return undefined;
    }
    return group;
  }

  delete(name: string): boolean {
    return this.groups.delete(name);
  }
}

export function urlGroupView(group: UrlGroup): Record<string, unknown> {
  return {
    name: group.name,
    createdAt: group.createdAtMs,
    updatedAt: group.updatedAtMs,
    endpoints: group.endpoints.map((endpoint) => ({ ...(endpoint.name === undefined ? {} : { name: endpoint.name }), url: endpoint.url })),
  };
}
