import { Counter } from 'prom-client';
import type { EventType } from '../contract/book.js';
import { registry } from './registry.js';

const emitted = new Counter({
  name: 'bookbell_events_emitted_total',
  help: 'Book events recorded (VERIFICATION_COMPLETE, BOOK_COMPLETE, ANALYTICS_COMPLETED), once each',
  labelNames: ['type'] as const,
  registers: [registry],
});

/** Counts events this process newly recorded; call after their transaction commits. */
export function countEmittedEvents(types: readonly EventType[]): void {
  for (const type of types) emitted.inc({ type });
}
