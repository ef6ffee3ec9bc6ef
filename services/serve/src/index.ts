export { type ApiKeyEntry, ApiKeysFileError, createApiKey, readApiKeysFile, SCOPES, type Scope } from './api-keys';
export { type ErasureRequest, type ErasureRequests, openErasureRequests } from './erasure-requests';
export { buildJourney, journeyMermaid } from './journey';
export { buildOpenApi, openApiMarkdown } from './openapi';
export { PipelineScraper, type PipelineSnapshot, parseExposition } from './pipeline-metrics';
export { type RunningServe, startServe } from './serve';
export { API_VERSION, buildServer, type ServerOptions } from './server';
