import type { WorkflowHandle } from '@temporalio/client';
import { uploadsSignal } from '../../workflows/book-contract.js';

/** Announces an upload to the book as the API does once it stored it: the `documentsUploaded` signal. */
export async function signalUpload(handle: WorkflowHandle, docUuid: string): Promise<void> {
  await handle.signal(uploadsSignal, { docUuids: [docUuid] });
}
