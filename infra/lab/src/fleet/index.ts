/** The lab in control-plane mode (agents registered with a real API); see README.md here. */
export { startControlPlaneLab, stopControlPlaneLab, startEdgeAgent, stopEdgeAgent, waitForAgentGeneration, prepareLabBackends, waitForRouteVia, ensureEdgeNode } from './control-plane-lab';
export type { ControlPlaneLab, ControlPlaneLabOptions, ControlPlaneEdge } from './control-plane-lab';
export { LAB_API_TIMEOUT_MS, listAll, ok, operatorClient, signupTenant, tenantClient, type AdminClient, type TenantClient } from './api-client';
export { LAB_ROUTED_PREFIXES, labReachable, reachableAddresses } from './lab-addresses';
export { mgmtLink, mgmtLinks } from './mgmt';
export { startDryRunFleet } from './dry-run-fleet';
export { startPlatform } from './platform';
export type { Platform } from './platform';
export { labPrerequisites, localFleetInstructions } from './local-fleet-text';
