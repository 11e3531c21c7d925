/** Programmatic API of the network-namespace lab (tests, benchmarks, `npm start` integration). */
export { startLab, stopLab, readLab, setRouterPath, waitForRouterPath, pushDesiredState, agentPost, nextGeneration, labLiveness, edgeByName, routerBirdPaths, startBackendServer, stopBackendServer, backendUdpDatagrams } from './lab';
export type { LabDescription, LabOptions } from './lab';
export { run, nsRun, nsRunSync, waitFor, isAlive } from './exec';
export { agentStatus, agentMetrics, agentHttp, parseMetrics } from './agent';
export type { AgentStatus } from './agent';
export { composeDesiredState, LAB_HEALTH_CHECK } from './desired';
export { runLoad, startLoad, byBackend, clientByName } from './loadgen-client';
export type { RunningLoad } from './loadgen-client';
export type { LoadJob, FlowResult } from './loadgen-client';
export { linkCounters, createNamespace, deleteNamespace, veth, defaultRoutes, sysctl } from './netns';
export type { VethEnd } from './netns';
/** The one-edge network of the edge agent's own lab test. */
export * as agentNet from './agent-net';
export { bgpStates, kernelNextHops, birdc } from './router-bird';
export * from './topology';
export { labDir, labJsonPath, PROCS_DIR } from './paths';
export { labStateSigner, labStatePublicKey, signForLab } from './state-signing';
export * from './fleet';
