import type { EndpointFilter, FilterCondition } from './endpoint-filter.js';

/**
 * A filter in words, for the console and logs: `result is FAILED and metadata.branch is north or south`. Imports no
 * runtime code, so the console bundles it without zod.
 */
export function describeFilter(filter: EndpointFilter): string {
  return describe(filter, true);
}

const shown = (value: string | number | boolean) => (typeof value === 'string' ? value : String(value));

function describeCondition(condition: FilterCondition): string {
  const { field } = condition;
  if (condition.exists !== undefined) return `${field} ${condition.exists ? 'is present' : 'is absent'}`;
  if (condition.eq !== undefined) return `${field} is ${shown(condition.eq)}`;
  if (condition.in !== undefined) {
    return condition.in.length === 1
      ? `${field} is ${shown(condition.in[0] as string | number)}`
      : `${field} is one of ${condition.in.map(shown).join(', ')}`;
  }
  if (condition.contains !== undefined) return `${field} contains "${condition.contains}"`;
  if (condition.starts_with !== undefined) return `${field} starts with "${condition.starts_with}"`;
  if (condition.gte !== undefined) return `${field} ≥ ${condition.gte}`;
  if (condition.lte !== undefined) return `${field} ≤ ${condition.lte}`;
  return field;
}

function describe(filter: EndpointFilter, top: boolean): string {
  if ('not' in filter) return `not (${describe(filter.not, true)})`;
  if ('all' in filter || 'any' in filter) {
    const [children, joiner] = 'all' in filter ? [filter.all, ' and '] : [filter.any, ' or '];
    if (children.length === 1) return describe(children[0] as EndpointFilter, top);
    const text = children.map((child) => describe(child, false)).join(joiner);
    return top ? text : `(${text})`;
  }
  return describeCondition(filter);
}
