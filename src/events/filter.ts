import type { Metadata } from '../contract/book.js';
import {
  FILTER_FIELDS,
  METADATA_PREFIX,
  type EndpointFilter,
  type FilterCondition,
  type FilterFieldName,
} from '../contract/endpoint-filter.js';
import type { EventPayload } from '../contract/event-payload.js';

/** A value a condition compares: null or undefined when the event does not have the field. */
type Fact = string | number | boolean | null | undefined;

/** What a filter can see of one book event: its stored body, the book's metadata and the document's upload. */
export interface FilterSubject {
  payload: EventPayload;
  metadata: Metadata;
  /** VERIFICATION_COMPLETE: the document as uploaded (absent when its upload never arrived). */
  document?: { name: string | null; mime_type: string | null } | undefined;
}

/** Each field's value for one event, for the fields its kind carries (FILTER_FIELDS[field].events). */
export function eventFacts(subject: FilterSubject): (field: string) => Fact {
  const { payload, metadata, document } = subject;
  const verification = payload.event_name === 'VERIFICATION_COMPLETE';
  const rejected = payload.document_counts?.rejected;
  const facts: Record<FilterFieldName, Fact> = {
    event: payload.event_name,
    status: payload.status,
    severity: payload.severity,
    'book.name': payload.book_name,
    'book.failed_documents': rejected,
    'book.has_failed_documents': rejected === undefined ? undefined : rejected > 0,
    result: verification ? payload.result : undefined,
    reason: verification ? payload.reason : undefined,
    'document.name': verification ? (payload.doc_name ?? document?.name) : undefined,
    'document.mime_type': verification ? document?.mime_type : undefined,
    'analytics.continuity_breaks':
      payload.event_name === 'ANALYTICS_COMPLETED' ? payload.analytics?.continuity_break_count : undefined,
  };
  return (field) => {
    if (field.startsWith(METADATA_PREFIX)) {
      const key = field.slice(METADATA_PREFIX.length);
      return Object.hasOwn(metadata, key) ? metadata[key] : undefined;
    }
    return Object.hasOwn(FILTER_FIELDS, field) ? facts[field as FilterFieldName] : undefined;
  };
}

/** Texts compare by contains / starts_with in any case (lower-cased the same way whatever the server's locale). */
const fold = (text: string) => text.toLowerCase();

function conditionHolds(condition: FilterCondition, value: Fact): boolean {
  if (condition.exists !== undefined) return (value !== undefined && value !== null) === condition.exists;
  // A field the event does not have (or that is null) meets no condition but `exists: false`.
  if (value === undefined || value === null) return false;
  if (condition.eq !== undefined) return value === condition.eq;
  if (condition.in !== undefined) return (condition.in as Fact[]).includes(value);
  if (condition.contains !== undefined) {
    return typeof value === 'string' && fold(value).includes(fold(condition.contains));
  }
  if (condition.starts_with !== undefined) {
    return typeof value === 'string' && fold(value).startsWith(fold(condition.starts_with));
  }
  if (condition.gte !== undefined) return typeof value === 'number' && value >= condition.gte;
  if (condition.lte !== undefined) return typeof value === 'number' && value <= condition.lte;
  return false;
}

function holds(filter: EndpointFilter, facts: (field: string) => Fact): boolean {
  if ('all' in filter) return filter.all.every((child) => holds(child, facts));
  if ('any' in filter) return filter.any.some((child) => holds(child, facts));
  if ('not' in filter) return !holds(filter.not, facts);
  return conditionHolds(filter, facts(filter.field));
}

/** Whether an endpoint with `filter` receives the event; an endpoint without one receives every event it subscribes to. */
export function filterMatches(filter: EndpointFilter | null, subject: FilterSubject): boolean {
  return filter === null || holds(filter, eventFacts(subject));
}
