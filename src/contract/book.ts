import { z } from 'zod';

/**
 * The book contract shared by the API, the workflow and the activities.
 * CREATED: accepted and stored, workflow not yet running. UPLOAD: the workflow runs and accepts uploads (Ocrolus' book status names).
 */
export const BOOK_STATUSES = ['CREATED', 'UPLOAD'] as const;
export const BookStatusSchema = z.enum(BOOK_STATUSES);
export type BookStatus = z.infer<typeof BookStatusSchema>;

export const TenantIdSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/);
export const BookUuidSchema = z.uuid({ error: 'must be a UUID, e.g. 6f1c2a9e-8d2b-4c1e-9b7a-3f5d4e6a7b8c' });

const MetadataValue = z.union([z.string().max(1024), z.number().finite(), z.boolean(), z.null()]);
export const MetadataSchema = z
  .record(z.string().min(1).max(64), MetadataValue)
  .refine((value) => Object.keys(value).length <= 50, { error: 'at most 50 keys' });
export type Metadata = z.infer<typeof MetadataSchema>;

export const CreateBookRequestSchema = z.strictObject({
  book_uuid: BookUuidSchema.optional(),
  name: z.string().trim().min(1, { error: 'must not be empty' }).max(255),
  metadata: MetadataSchema.optional(),
});
export type CreateBookRequest = z.infer<typeof CreateBookRequestSchema>;

export const BookSchema = z.object({
  book_uuid: BookUuidSchema,
  name: z.string(),
  metadata: MetadataSchema,
  status: BookStatusSchema,
  created_at: z.iso.datetime(),
});
export type Book = z.infer<typeof BookSchema>;
