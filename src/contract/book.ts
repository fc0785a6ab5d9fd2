import { z } from 'zod';
import { parseDuration } from '../durations.js';
import { PageCursorSchema, PageLimitSchema } from './page.js';
import { StatementFieldsSchema } from './statement-fields.js';

/**
 * The book contract shared by the API, the workflow and the activities. Statuses follow Ocrolus' names:
 * CREATED (stored, its workflow not started yet) → UPLOAD (accepting documents) → SEALED (no more uploads, documents
 * still verifying) → COMPLETE (BOOK_COMPLETE emitted) → ANALYTICS_COMPLETE (ANALYTICS_COMPLETED emitted).
 */
export const BOOK_STATUSES = ['CREATED', 'UPLOAD', 'SEALED', 'COMPLETE', 'ANALYTICS_COMPLETE'] as const;
export const BookStatusSchema = z.enum(BOOK_STATUSES);
export type BookStatus = z.infer<typeof BookStatusSchema>;

/** VERIFYING until the first verification result; then VERIFICATION_COMPLETE (succeeded) or REJECTED (failed). */
export const DOCUMENT_STATUSES = ['VERIFYING', 'VERIFICATION_COMPLETE', 'REJECTED'] as const;
export const DocumentStatusSchema = z.enum(DOCUMENT_STATUSES);
export type DocumentStatus = z.infer<typeof DocumentStatusSchema>;

export const EVENT_TYPES = ['VERIFICATION_COMPLETE', 'BOOK_COMPLETE', 'ANALYTICS_COMPLETED'] as const;
export const EventTypeSchema = z.enum(EVENT_TYPES);
export type EventType = z.infer<typeof EventTypeSchema>;

export const TenantIdSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/);
// Lower-cased: Postgres compares uuids in any case, Temporal workflow ids are plain strings; one spelling for both.
const uuid = (name: string) =>
  z
    .uuid({ error: `${name} must be a UUID, e.g. 6f1c2a9e-8d2b-4c1e-9b7a-3f5d4e6a7b8c` })
    .overwrite((value) => value.toLowerCase());
export const BookUuidSchema = uuid('book_uuid');
export const DocUuidSchema = uuid('doc_uuid');

/** Text the API trims before its length checks: the document says it must hold something besides white space. */
export const NOT_BLANK = { override: { pattern: '\\S' } };

const MetadataValue = z.union([z.string().max(1024), z.number().finite(), z.boolean(), z.null()]);
export const MetadataSchema = z
  .record(z.string().min(1).max(64), MetadataValue)
  .refine((value) => Object.keys(value).length <= 50, { error: 'at most 50 keys' })
  .meta({ override: { maxProperties: 50 } });
export type Metadata = z.infer<typeof MetadataSchema>;

const DURATION = /^(\d{1,6})(s|m|h|d)$/;
const MAX_SEAL_AFTER_MS = parseDuration('90d');
/**
 * DURATION within 1s–90d, for the OpenAPI document (the refine below is what the API checks; a unit test keeps the
 * two the same): at most 6 digits, not zero, and at most 129600m, 2160h or 90d (999999s is under 90 days).
 */
export const DURATION_PATTERN =
  '^(?=\\d{1,6}[smhd]$)(?=0*[1-9])(?:\\d+s|0*(?:\\d{1,5}|1[01]\\d{4}|12[0-8]\\d{3}|129[0-5]\\d{2}|129600)m|' +
  '0*(?:\\d{1,3}|1\\d{3}|20\\d{2}|21[0-5]\\d|2160)h|0*(?:\\d|[1-8]\\d|90)d)$';
/** "30s", "15m", "2h", "7d" → milliseconds (at least 1 s, at most 90 days). */
export const DurationSchema = z
  .string()
  .regex(DURATION, { error: 'must be a duration such as "30s", "15m", "2h" or "7d"' })
  .transform(parseDuration)
  .refine((ms) => ms >= 1000 && ms <= MAX_SEAL_AFTER_MS, { error: 'must be between 1s and 90d' })
  .meta({ override: { pattern: DURATION_PATTERN } });

/** The longest book or document name and verification reason the API takes (event bodies clip to the same). */
export const NAME_MAX_CHARS = 255;
/** The most documents a book holds unless BOOK_MAX_DOCUMENTS says otherwise. */
export const DEFAULT_MAX_DOCUMENTS = 10_000;
export const REASON_MAX_CHARS = 1000;

const name = z.string().trim().min(1, { error: 'must not be empty' }).max(NAME_MAX_CHARS).meta(NOT_BLANK);

export const CreateBookRequestSchema = z.strictObject({
  book_uuid: BookUuidSchema.optional(),
  name,
  metadata: MetadataSchema.optional(),
  /** Seal the book by itself after this long without uploads or verification results. */
  seal_after: DurationSchema.optional(),
});
export type CreateBookRequest = z.infer<typeof CreateBookRequestSchema>;

export const UploadDocumentRequestSchema = z.strictObject({
  doc_uuid: DocUuidSchema.optional(),
  name,
  mime_type: z
    .string()
    .max(127)
    .regex(/^[\w.+-]+\/[\w.+-]+$/, { error: 'must be a media type such as "application/pdf"' })
    .optional(),
  size_bytes: z
    .number()
    .int()
    .min(0)
    .max(10 * 1024 ** 3)
    .optional(),
});
export type UploadDocumentRequest = z.infer<typeof UploadDocumentRequestSchema>;

export const VERIFICATION_RESULTS = ['SUCCEEDED', 'FAILED'] as const;
export type VerificationResult = (typeof VERIFICATION_RESULTS)[number];
export const VerificationRequestSchema = z.strictObject({
  result: z.enum(VERIFICATION_RESULTS, { error: 'must be "SUCCEEDED" or "FAILED"' }),
  reason: z.string().trim().min(1).max(REASON_MAX_CHARS).meta(NOT_BLANK).optional(),
  fields: StatementFieldsSchema.optional(),
});
export type VerificationRequest = z.infer<typeof VerificationRequestSchema>;

export const ListBooksQuerySchema = z.strictObject({
  status: BookStatusSchema.optional(),
  limit: PageLimitSchema,
  cursor: PageCursorSchema.optional(),
  q: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .meta(NOT_BLANK)
    .optional()
    .meta({ description: 'Only books whose name contains this (any case) or whose book_uuid starts with it' }),
});

export const DocumentCountsSchema = z
  .strictObject({
    total: z.int().min(0),
    verifying: z.int().min(0).meta({ description: 'Waiting for their first verification result' }),
    verified: z.int().min(0).meta({ description: 'Verified successfully (VERIFICATION_COMPLETE)' }),
    rejected: z.int().min(0).meta({ description: 'Failed verification (REJECTED)' }),
  })
  .meta({
    id: 'DocumentCounts',
    description: "The book's documents by status; total = verifying + verified + rejected",
  });
export type DocumentCounts = z.infer<typeof DocumentCountsSchema>;

export const BookSummarySchema = z
  .strictObject({
    book_uuid: BookUuidSchema,
    name: z.string(),
    metadata: MetadataSchema.meta({ description: 'What the book was created with; {} when none' }),
    status: BookStatusSchema.meta({
      description:
        'CREATED (stored, its workflow not started yet) → UPLOAD (accepting documents) → SEALED (no more uploads) → ' +
        'COMPLETE (BOOK_COMPLETE emitted) → ANALYTICS_COMPLETE (ANALYTICS_COMPLETED emitted)',
    }),
    created_at: z.iso.datetime(),
    document_counts: DocumentCountsSchema,
  })
  .meta({ id: 'BookSummary', description: 'A book as lists show it' });
export type BookSummary = z.infer<typeof BookSummarySchema>;
