import type { Connection } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
// A CommonJS package: Node's ESM loader exposes it as a default export only.
import proto from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../../workflows/book-contract.js';

const { IndexedValueType } = proto.temporal.api.enums.v1;

/**
 * Registers bookbell's search attributes on a cluster that lacks them (the dev server gets them at start).
 * Where the operator API is not allowed (e.g. Temporal Cloud), the error says what to register by hand.
 */
export async function ensureSearchAttributes(
  connection: Connection | NativeConnection,
  namespace: string,
): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = { ...existing.customAttributes, ...existing.systemAttributes };
  const missing = SEARCH_ATTRIBUTES.filter((key) => !(key.name in known));
  if (missing.length === 0) return [];
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(
        missing.map((key) => [key.name, IndexedValueType[`INDEXED_VALUE_TYPE_${key.type}`]]),
      ),
    });
  } catch (err) {
    const wanted = missing.map((key) => `--name ${key.name} --type ${key.type}`).join(' ');
    throw new Error(
      `bookbell: search attributes ${missing.map((key) => key.name).join(', ')} are missing in namespace ` +
        `${namespace} and could not be added (${(err as Error).message}). Add them: ` +
        `temporal operator search-attribute create --namespace ${namespace} ${wanted}`,
      { cause: err },
    );
  }
  return missing.map((key) => key.name);
}
