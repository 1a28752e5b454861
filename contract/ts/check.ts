// A typed client's view of the contract: compiled with `tsc --noEmit --strict` against
// the types `openapi-typescript` generates from openapi.json (as `./openapi`) by
// tests/test_openapi_tools.py. If the contract changes under it, this stops compiling.
import type { components, operations, paths } from "./openapi";

type Domain = components["schemas"]["DomainPublic"];
type Problem = components["schemas"]["Problem"];
type DomainPage = paths["/api/v1/domains"]["get"]["responses"][200]["content"]["application/json"];
type GetDomain = operations["getDomain"];
type GetDomainError = GetDomain["responses"][404 | 422 | 429 | 503]["content"]["application/problem+json"];
type CreateDomainBody = NonNullable<operations["createDomain"]["requestBody"]>["content"]["application/json"];

export type Outcome =
  | { status: 200; body: Domain }
  | { status: 304 }
  | { status: 404 | 422 | 429 | 503; body: GetDomainError };

/** What a client shows for each answer of `getDomain`. */
export function describe(outcome: Outcome): string {
  switch (outcome.status) {
    case 200:
      return `${outcome.body.name} (${outcome.body.slug}), version ${outcome.body.version}`;
    case 304:
      return "unchanged";
    default: {
      const problem: Problem = outcome.body;
      const fields = (problem.errors ?? []).map((e) => `${e.field}: ${e.message}`);
      return [`${problem.status} ${problem.type}: ${problem.detail}`, ...fields].join("\n");
    }
  }
}

/** The names on one page of `listDomains`, and whether another follows. */
export function names(page: DomainPage): { names: string[]; more: boolean } {
  return { names: page.items.map((d) => d.name), more: page.next_cursor !== null };
}

export const draft: CreateDomainBody = { name: "Palliative Care Nurses", visibility: "public" };

export const idempotencyKey: NonNullable<operations["createDomain"]["parameters"]["header"]>["Idempotency-Key"] =
  "create-palliative-care-nurses";
