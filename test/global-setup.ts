// Services for the store suites are started here (see test/services.ts).
export default async function setup(): Promise<void> {}
