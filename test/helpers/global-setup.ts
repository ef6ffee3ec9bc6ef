// Placeholder until the local stack checks land: integration tests need the stack from
// `bash deploy/local/stack.sh up`.
export default async function globalSetup(): Promise<void> {}
