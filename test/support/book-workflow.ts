import type { WorkflowHandle } from '@temporalio/client';
import { uploadDocumentUpdate } from '../../workflows/book-contract.js';

/** Uploads through the workflow's update, retried while a run is continuing as new (as the API does). */
export async function uploadRetrying(handle: WorkflowHandle, docUuid: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await handle.executeUpdate(uploadDocumentUpdate, { args: [{ docUuid }] });
      return;
    } catch (err) {
      if (attempt > 100) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
