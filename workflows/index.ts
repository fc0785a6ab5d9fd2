// The worker's workflow bundle entry: every workflow type bookbell registers.
export { bookWorkflow } from './book-workflow.js';
export { endpointDeliveriesWorkflow } from './endpoint-deliveries-workflow.js';
export { retentionWorkflow } from './retention-workflow.js';
export { digestDeliveryWorkflow, digestsWorkflow } from './digests-workflow.js';
