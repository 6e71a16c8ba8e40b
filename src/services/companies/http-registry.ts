// A network company registry (issue 5, item 2: "network registries plug in behind configuration"): asks
// an HTTP JSON service configured by LATCHKEY_COMPANY_REGISTRY_URL, a URL template with {country} and
// {tax_id} (e.g. https://registry.example/companies/{country}/{tax_id}). 200 with a JSON object
// { name, kind?, vat_id?, tax_id?, address? } is a hit; 404 a miss. The registry only prefills a form, so
// a slow, failing or malformed answer counts as a miss (reported through onError) and never blocks anyone.
import { z } from 'zod';
import { checkAddress, checkKind, checkName, checkVatId } from './input.js';
import type { CompanyRegistry } from './types.js';

const MAX_BYTES = 64 * 1024;

const answer = z.object({
  name: z.string(),
  kind: z.string().nullish(),
  vat_id: z.string().nullish(),
  tax_id: z.string().nullish(),
  address: z.record(z.string(), z.unknown()).nullish(),
});

export interface HttpRegistryOptions {
  /** URL template with {country} and {tax_id}. */
  urlTemplate: string;
  timeoutMs?: number;
  /** Told why a lookup failed (for the log); the lookup then answers "unknown". */
  onError?: (message: string) => void;
}

/** A CompanyRegistry over an HTTP JSON lookup service. */
export function createHttpRegistry(options: HttpRegistryOptions): CompanyRegistry {
  const source = new URL(options.urlTemplate.replace(/\{(country|tax_id)\}/g, 'x')).host;
  const fail = (message: string) => {
    options.onError?.(`company registry ${source}: ${message}`);
    return undefined;
  };
  return {
    async lookup(country, taxId) {
      const url = options.urlTemplate.replace('{country}', encodeURIComponent(country)).replace('{tax_id}', encodeURIComponent(taxId));
      let response: Response;
      try {
        response = await fetch(url, { headers: { accept: 'application/json' }, redirect: 'error', signal: AbortSignal.timeout(options.timeoutMs ?? 3000) });
      } catch (err) {
        return fail(`request failed (${(err as Error).name})`);
      }
      if (response.status === 404) return undefined;
      if (response.status !== 200) return fail(`answered HTTP ${response.status}`);
      const text = await response.text();
      if (text.length > MAX_BYTES) return fail('answer too large');
      let parsed: z.infer<typeof answer>;
      try {
        parsed = answer.parse(JSON.parse(text));
      } catch {
        return fail('answer is not the expected JSON object');
      }
      try {
        return {
          country,
          taxId: parsed.tax_id?.trim() || taxId,
          kind: parsed.kind ? checkKind(parsed.kind) : null,
          name: checkName(parsed.name),
          vatId: checkVatId(parsed.vat_id ?? null),
          address: checkAddress(parsed.address ?? null),
          source,
        };
      } catch (err) {
        return fail(`answer has a bad field (${(err as Error).message})`);
      }
    },
  };
}
