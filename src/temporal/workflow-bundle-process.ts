// The child process of bundleWorkflowsApart: bundles the workflows and sends the code to its parent.
import { bundleWorkflows } from './workflow-bundle.js';

const { code } = await bundleWorkflows();
process.send?.({ code }, () => process.disconnect());
