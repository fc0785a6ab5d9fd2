import { z } from 'zod';
import { EVENT_TYPES, VERIFICATION_RESULTS, type EventType } from './book.js';
import { EVENT_SEVERITIES, EVENT_STATUSES } from './event-payload.js';

/**
 * An endpoint's filter: which of the events it subscribes to it receives. Declarative and bounded (no code runs, no
 * regular expression is compiled): conditions on a closed list of fields, combined with all / any / not. Shared by
 * the API (validation), the fan-out (evaluation, src/events/filter.ts) and the console (src/contract/filter-text.ts).
 * The grammar is documented in docs/endpoints.md, "Filters".
 */

/** Groups (all / any / not) nest at most this deep; a condition may sit inside the deepest one. */
export const FILTER_MAX_DEPTH = 4;
/** Conditions in one filter, all groups together. */
export const FILTER_MAX_CONDITIONS = 20;
/** Values in one `in` list. */
export const FILTER_MAX_LIST = 50;
/** Characters in one compared text. */
export const FILTER_MAX_TEXT = 256;
/** The filter's JSON, UTF-8. */
export const FILTER_MAX_BYTES = 4096;

type FieldKind = 'enum' | 'text' | 'number' | 'boolean';
interface FieldSpec {
  kind: FieldKind;
  /** The events that carry the field; a condition on a field the event lacks is false. */
  events: readonly EventType[];
  /** An enum's values. */
  values?: readonly string[];
}

const ALL = EVENT_TYPES;
/** The fields a condition names, besides `metadata.<key>` (a key of the book's metadata). */
export const FILTER_FIELDS = {
  event: { kind: 'enum', events: ALL, values: EVENT_TYPES },
  status: { kind: 'enum', events: ALL, values: EVENT_STATUSES },
  severity: { kind: 'enum', events: ALL, values: EVENT_SEVERITIES },
  'book.name': { kind: 'text', events: ALL },
  /** The book's failed (REJECTED) documents right after the event. */
  'book.failed_documents': { kind: 'number', events: ALL },
  'book.has_failed_documents': { kind: 'boolean', events: ALL },
  result: { kind: 'enum', events: ['VERIFICATION_COMPLETE'], values: VERIFICATION_RESULTS },
  reason: { kind: 'text', events: ['VERIFICATION_COMPLETE'] },
  'document.name': { kind: 'text', events: ['VERIFICATION_COMPLETE'] },
  'document.mime_type': { kind: 'text', events: ['VERIFICATION_COMPLETE'] },
  'analytics.continuity_breaks': { kind: 'number', events: ['ANALYTICS_COMPLETED'] },
} as const satisfies Record<string, FieldSpec>;
export type FilterFieldName = keyof typeof FILTER_FIELDS;

export const METADATA_PREFIX = 'metadata.';
/** Book metadata keys are 1–64 characters (src/contract/book.ts). */
const METADATA_FIELD = /^metadata\.[\s\S]{1,64}$/;

/** Operators each kind of field takes; `metadata.<key>` takes them all (a value of the wrong type matches nothing). */
const OPERATORS = {
  enum: ['eq', 'in', 'exists'],
  text: ['eq', 'in', 'contains', 'starts_with', 'exists'],
  number: ['eq', 'in', 'gte', 'lte', 'exists'],
  boolean: ['eq', 'exists'],
} as const;
export const FILTER_OPERATORS = ['eq', 'in', 'contains', 'starts_with', 'exists', 'gte', 'lte'] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

const text = z.string().min(1).max(FILTER_MAX_TEXT);
const scalar = z.union([z.string().max(FILTER_MAX_TEXT), z.number().finite(), z.boolean()]);

const fieldNames = Object.keys(FILTER_FIELDS);
const field = z
  .string()
  .refine((name) => Object.hasOwn(FILTER_FIELDS, name) || METADATA_FIELD.test(name), {
    error: `must be one of ${fieldNames.join(', ')}, or metadata.<key>`,
  })
  .meta({
    override: {
      pattern: `^(?:${fieldNames.map((name) => name.replace('.', '\\.')).join('|')}|metadata\\.[\\s\\S]{1,64})$`,
    },
  });

export interface FilterCondition {
  field: string;
  eq?: string | number | boolean;
  in?: Array<string | number>;
  contains?: string;
  starts_with?: string;
  exists?: boolean;
  gte?: number;
  lte?: number;
}
export type EndpointFilter =
  { all: EndpointFilter[] } | { any: EndpointFilter[] } | { not: EndpointFilter } | FilterCondition;

const GROUPS = ['all', 'any', 'not'] as const;

/** Exactly one form per node: a group, or a field with exactly one operator whose value suits the field. */
function checkNode(node: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const forms = [...GROUPS, 'field'].filter((key) => node[key] !== undefined);
  const operators = FILTER_OPERATORS.filter((key) => node[key] !== undefined);
  if (forms.length !== 1) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be exactly one of {"all": [...]}, {"any": [...]}, {"not": {...}} or a condition {"field": ...}',
    });
    return;
  }
  if (forms[0] !== 'field') {
    if (operators.length > 0) {
      ctx.addIssue({ code: 'custom', path: [operators[0] as string], message: 'belongs in a condition, not a group' });
    }
    return;
  }
  if (operators.length !== 1) {
    ctx.addIssue({
      code: 'custom',
      message: `a condition takes exactly one operator of ${FILTER_OPERATORS.join(', ')}`,
    });
    return;
  }
  const name = node.field as string;
  const operator = operators[0] as FilterOperator;
  const spec = (FILTER_FIELDS as Record<string, FieldSpec>)[name];
  if (!spec) return; // metadata.<key>: any operator, any scalar
  const allowed: readonly string[] = OPERATORS[spec.kind];
  if (!allowed.includes(operator)) {
    ctx.addIssue({ code: 'custom', path: [operator], message: `${name} takes ${allowed.join(', ')}` });
    return;
  }
  if (operator === 'exists') return;
  const values = operator === 'in' ? (node.in as unknown[]) : [node[operator]];
  for (const [index, value] of values.entries()) {
    const path = operator === 'in' ? [operator, index] : [operator];
    const refusal =
      spec.kind === 'enum'
        ? !spec.values?.includes(value as string) && `must be one of ${spec.values?.join(', ')}`
        : spec.kind === 'text'
          ? typeof value !== 'string' && 'must be a string'
          : spec.kind === 'number'
            ? typeof value !== 'number' && 'must be a number'
            : typeof value !== 'boolean' && 'must be true or false';
    if (refusal) ctx.addIssue({ code: 'custom', path, message: refusal });
  }
}

const NodeSchema: z.ZodType<EndpointFilter, EndpointFilter> = z
  .strictObject({
    get all() {
      return z.array(NodeSchema).min(1).max(FILTER_MAX_CONDITIONS).optional();
    },
    get any() {
      return z.array(NodeSchema).min(1).max(FILTER_MAX_CONDITIONS).optional();
    },
    get not() {
      return NodeSchema.optional();
    },
    field: field.optional(),
    eq: scalar.optional(),
    in: z
      .array(z.union([z.string().max(FILTER_MAX_TEXT), z.number().finite()]))
      .min(1)
      .max(FILTER_MAX_LIST)
      .optional(),
    contains: text.optional(),
    starts_with: text.optional(),
    exists: z.boolean().optional(),
    gte: z.number().finite().optional(),
    lte: z.number().finite().optional(),
  })
  .superRefine(checkNode)
  .meta({
    id: 'EndpointFilterNode',
    override: {
      oneOf: [
        { required: ['all'] },
        { required: ['any'] },
        { required: ['not'] },
        { required: ['field'], minProperties: 2, maxProperties: 2 },
      ],
    },
    description:
      'A group ({"all": [...]}, {"any": [...]} or {"not": {...}}) or a condition: a field and exactly one operator',
  }) as unknown as z.ZodType<EndpointFilter, EndpointFilter>;

/** How deep groups nest and how many conditions a filter holds. */
export function filterShape(filter: EndpointFilter): { depth: number; conditions: number } {
  if ('all' in filter || 'any' in filter) {
    const children = ('all' in filter ? filter.all : filter.any).map(filterShape);
    return {
      depth: 1 + Math.max(0, ...children.map((c) => c.depth)),
      conditions: children.reduce((sum, c) => sum + c.conditions, 0),
    };
  }
  if ('not' in filter) {
    const inner = filterShape(filter.not);
    return { depth: 1 + inner.depth, conditions: inner.conditions };
  }
  return { depth: 0, conditions: 1 };
}

export const EndpointFilterSchema = NodeSchema.superRefine((filter, ctx) => {
  const bytes = new TextEncoder().encode(JSON.stringify(filter)).length;
  if (bytes > FILTER_MAX_BYTES) {
    ctx.addIssue({ code: 'custom', message: `must be at most ${FILTER_MAX_BYTES} bytes of JSON (it is ${bytes})` });
  }
  const { depth, conditions } = filterShape(filter);
  if (depth > FILTER_MAX_DEPTH) {
    ctx.addIssue({ code: 'custom', message: `must not nest groups more than ${FILTER_MAX_DEPTH} deep` });
  }
  if (conditions > FILTER_MAX_CONDITIONS) {
    ctx.addIssue({
      code: 'custom',
      message: `must hold at most ${FILTER_MAX_CONDITIONS} conditions (it has ${conditions})`,
    });
  }
}).meta({
  id: 'EndpointFilter',
  description:
    `Which of the subscribed events this endpoint receives (null: all of them). Conditions on fields, combined with ` +
    `all / any / not: at most ${FILTER_MAX_CONDITIONS} conditions, groups ${FILTER_MAX_DEPTH} deep, ` +
    `${FILTER_MAX_BYTES} bytes. See docs/endpoints.md, "Filters"`,
});
